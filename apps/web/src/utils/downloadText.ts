/** How long the file's object URL outlives the click that downloads it (some browsers start the download later). */
const REVOKE_AFTER_MS = 30_000;

/**
 * Saves `text` as a UTF-8 file called `fileName`, through a temporary `<a download>` on a
 * `blob:` URL (no server round trip, allowed by the page's CSP).
 */
export function downloadText(fileName: string, text: string, doc: Document = document): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  doc.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}
