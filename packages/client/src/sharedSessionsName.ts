/**
 * The lock and channel name the tabs following one server share. Browsers scope both to
 * the page's origin already; the server's absolute base URL keeps apart two servers one
 * origin talks to, and the version two builds whose tabs could not understand each other.
 * @param baseUrl The client's `baseUrl`. @default '' (same origin)
 * @param pageUrl Resolves a relative `baseUrl`. @default globalThis.location?.href
 */
export function sharedSessionsName(baseUrl = '', pageUrl: string | undefined = globalThis.location?.href): string {
  let target = baseUrl;
  if (pageUrl !== undefined) {
    try {
      target = new URL(baseUrl === '' ? '/' : baseUrl, pageUrl).href;
    } catch {
      // An unparsable base stays as given.
    }
  }
  return `sessionboard:sessions:v1:${target.replace(/\/+$/, '')}`;
}
