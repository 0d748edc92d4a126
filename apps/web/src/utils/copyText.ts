/** What {@link copyText} uses; the browser's by default. */
export interface CopyTextEnvironment {
  /** @default navigator.clipboard (absent outside a secure context, e.g. plain HTTP to another host) */
  clipboard?: Pick<Clipboard, 'writeText'> | null;
  /** @default document */
  document?: Document;
}

/**
 * Puts `text` on the clipboard. The Clipboard API needs a secure context; elsewhere (a
 * dashboard served over plain HTTP on a LAN address) it falls back to selecting the text in
 * a hidden field and `execCommand('copy')`. Resolves to whether it worked.
 */
export async function copyText(text: string, environment: CopyTextEnvironment = {}): Promise<boolean> {
  const clipboard = environment.clipboard === undefined ? (globalThis.navigator?.clipboard ?? null) : environment.clipboard;
  if (clipboard !== null) {
    try {
      await clipboard.writeText(text);
      return true;
    } catch {
      // Refused (permissions, an unfocused document): try the old way.
    }
  }
  const doc = environment.document ?? document;
  const field = doc.createElement('textarea');
  field.value = text;
  field.setAttribute('readonly', '');
  field.className = 'visually-hidden';
  const focused = doc.activeElement as HTMLElement | null;
  doc.body.append(field);
  field.focus();
  field.select();
  let copied: boolean;
  try {
    copied = doc.execCommand('copy');
  } catch {
    copied = false;
  }
  field.remove();
  focused?.focus();
  return copied;
}
