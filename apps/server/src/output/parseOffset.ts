/**
 * A byte offset as the API takes it (`?after=`, `Last-Event-ID`, `?lastEventId=`): a decimal
 * integer from 0 to 2^53 − 1, digits only.
 * @returns undefined for anything else.
 */
export function parseOffset(text: string): number | undefined {
  if (!/^[0-9]{1,16}$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}
