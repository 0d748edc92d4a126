import { describe, expect, it, vi } from 'vitest';
import { copyText } from './copyText.ts';

describe('copyText', () => {
  it('writes to the clipboard when there is one', async () => {
    const clipboard = { writeText: vi.fn(async () => {}) };
    expect(await copyText('sleep 600', { clipboard })).toBe(true);
    expect(clipboard.writeText).toHaveBeenCalledWith('sleep 600');
  });

  it('falls back to a selected field and execCommand without one, and gives focus back', async () => {
    const button = document.body.appendChild(document.createElement('button'));
    button.focus();
    let copied: string | null = null;
    const execCommand = vi.fn(() => {
      copied = (document.activeElement as HTMLTextAreaElement).value;
      return true;
    });
    Object.defineProperty(document, 'execCommand', { value: execCommand, configurable: true });
    try {
      expect(await copyText('echo hi', { clipboard: null })).toBe(true);
      expect(execCommand).toHaveBeenCalledWith('copy');
      expect(copied).toBe('echo hi');
      expect(document.querySelector('textarea')).toBeNull();
      expect(document.activeElement).toBe(button);
    } finally {
      delete (document as { execCommand?: unknown }).execCommand;
      button.remove();
    }
  });

  it('says so when neither works', async () => {
    const clipboard = { writeText: vi.fn(async () => Promise.reject(new Error('denied'))) };
    Object.defineProperty(document, 'execCommand', { value: () => false, configurable: true });
    try {
      expect(await copyText('x', { clipboard })).toBe(false);
    } finally {
      delete (document as { execCommand?: unknown }).execCommand;
    }
  });
});
