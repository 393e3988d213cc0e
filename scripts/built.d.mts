/** The repository root (absolute path, with a trailing slash). */
export declare const root: string;
/** Builds the server and the packages it uses when a source is newer than its build; throws if the build fails. */
export declare function ensureBuilt(): void;
