/** Hands the browser a file to save, as a download link the user clicked would. */
export function saveFile(content: Blob, name: string): void {
  const url = URL.createObjectURL(content);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  // The download has started by then; the object URL only holds the blob in memory.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
