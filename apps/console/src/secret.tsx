/**
 * A secret shown once, right after it is made (API key, webhook signing secret): the server keeps only
 * its hash, so it stays on screen until the user says it is stored.
 */
export function ShownOnce({
  what,
  of,
  secret,
  testId,
  onDone,
}: {
  /** "secret", "signing secret"… */
  what: string;
  /** What it belongs to: the key's name, the endpoint's URL. */
  of: string;
  secret: string;
  testId: string;
  onDone: () => void;
}) {
  return (
    <div className="card secret" role="status">
      <p>
        The {what} of <strong>{of}</strong>. Copy it now: it will not be shown again.
      </p>
      <code data-testid={testId}>{secret}</code>
      <button type="button" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}
