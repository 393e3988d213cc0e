// What test/global-setup.ts provides to every test file (`inject`), as seen by this package's tests.
declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    templateDatabase: string;
    pgliteSnapshot: string;
  }
}

export {};
