import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createOutputState, reduceOutputState } from '@sessionboard/client';
import type { OutputMessage, OutputState } from '@sessionboard/client';
import { OUTPUT_PALETTES } from '../utils/ansiColors.ts';
import SessionOutput from './SessionOutput.vue';

enableAutoUnmount(afterEach);

beforeEach(() => {
  document.body.innerHTML = '';
});

/** The state an output client reaches from `messages`, in order. */
function stateAfter(messages: OutputMessage[], sessionId = 's1'): OutputState {
  return messages.reduce((state, message) => reduceOutputState(state, message), createOutputState(sessionId));
}

const live: OutputMessage = { type: 'status', state: 'live', error: null };

function chunks(...parts: [stream: 'stdout' | 'stderr', text: string][]): OutputMessage[] {
  let offset = 0;
  return parts.map(([stream, text]) => {
    offset += new TextEncoder().encode(text).length;
    return { type: 'output', chunk: { stream, text, offset }, at: 1 };
  });
}

function mountOutput(output: OutputState, shown: 'live' | 'polling' | 'ended' | null = 'live') {
  return mount(SessionOutput, {
    props: { sessionId: output.sessionId, sessionName: 'build', output, shown },
    attachTo: document.body.appendChild(document.createElement('div')),
  });
}

/** Waits for the next animation frame, when the view measures and follows. */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/** Lays the scroller out as a browser would: `clientHeight` px shown of `scrollHeight`. */
function layOut(wrapper: VueWrapper, scrollHeight: number, clientHeight = 100): HTMLElement {
  const scroller = wrapper.get('[data-testid="output-scroller"]').element as HTMLElement;
  Object.defineProperty(scroller, 'scrollHeight', { configurable: true, get: () => scrollHeight });
  Object.defineProperty(scroller, 'clientHeight', { configurable: true, get: () => clientHeight });
  return scroller;
}

describe('the test hooks', () => {
  it('carry the session, the offset shown and the state', () => {
    const wrapper = mountOutput(stateAfter([live, ...chunks(['stdout', 'abc\n'])], 'abc-1'), 'polling');
    const root = wrapper.get('[data-testid="session-output"]');
    expect(root.attributes()).toMatchObject({ 'data-session-id': 'abc-1', 'data-offset': '4', 'data-state': 'polling', 'data-follow': 'live' });
  });

  it('leave data-state out until output came one of the three ways', () => {
    const wrapper = mountOutput(createOutputState('s1'), null);
    expect(wrapper.get('[data-testid="session-output"]').attributes('data-state')).toBeUndefined();
    expect(wrapper.get('[data-testid="output-empty"]').text()).toBe('Loading output…');
  });
});

describe('output', () => {
  it('draws ANSI colours and styles as classes, with each theme’s colour as a custom property', () => {
    const wrapper = mountOutput(stateAfter([live, ...chunks(['stdout', 'ok \x1b[1;31mfailed\x1b[0m done\n'])]));
    const red = wrapper.get('.ansi-red-fg');
    expect(red.text()).toBe('failed');
    expect(red.classes()).toEqual(['ansi-fg', 'ansi-red-fg', 'ansi-bold']);
    const style = (red.element as HTMLElement).style;
    expect(style.getPropertyValue('--ansi-fg-light')).toBe(OUTPUT_PALETTES.light.ansi[1]);
    expect(style.getPropertyValue('--ansi-fg-dark')).toBe(OUTPUT_PALETTES.dark.ansi[1]);
    expect(wrapper.get('[data-testid="output-text"]').text()).toBe('ok failed done');
  });

  it('keeps exact whitespace, newlines included', () => {
    const wrapper = mountOutput(stateAfter([live, ...chunks(['stdout', '  two spaces\n\tand a tab\n'])]));
    expect(wrapper.get('[data-testid="output-text"]').element.textContent).toBe('  two spaces\n\tand a tab\n');
  });

  it('carries a colour into the next chunk of the same stream, past stderr between', () => {
    const wrapper = mountOutput(stateAfter([live, ...chunks(['stdout', '\x1b[32mgreen '], ['stderr', 'oops\n'], ['stdout', 'still green\n'])]));
    const segments = wrapper.findAll('.session-output-segment');
    expect(segments.map((segment) => segment.attributes('data-stream'))).toEqual(['stdout', 'stderr', 'stdout']);
    expect(segments[2]!.get('.ansi-green-fg').text()).toBe('still green');
  });

  it('tells stderr apart: its own class, and a legend', () => {
    const quiet = mountOutput(stateAfter([live, ...chunks(['stdout', 'fine\n'])]));
    expect(quiet.find('[data-testid="stderr-legend"]').exists()).toBe(false);
    const wrapper = mountOutput(stateAfter([live, ...chunks(['stdout', 'fine\n'], ['stderr', 'warning: careful\n'])]));
    expect(wrapper.get('.session-output-segment--stderr').text()).toBe('warning: careful');
    expect(wrapper.get('[data-testid="stderr-legend"]').text()).toBe('stderr');
  });

  it('marks where older output was dropped', () => {
    const output = stateAfter([live, { type: 'truncated', from: 4096, at: 1 }, { type: 'output', chunk: { stream: 'stdout', text: 'tail\n', offset: 4101 }, at: 2 }]);
    const wrapper = mountOutput(output);
    const mark = wrapper.get('[data-testid="output-truncated"]');
    expect(mark.text()).toBe('Older output dropped: the server keeps only the most recent output.');
    expect(mark.attributes('data-from')).toBe('4096');
    expect(wrapper.get('[data-testid="session-output"]').attributes('data-offset')).toBe('4101');
  });

  it('says when a session printed nothing', () => {
    const wrapper = mountOutput(stateAfter([{ type: 'end', session: {} as never, offset: 0, at: 1 }]), 'ended');
    expect(wrapper.get('[data-testid="output-empty"]').text()).toBe('This session printed nothing.');
    expect(wrapper.get('[data-testid="output-follow"]').text()).toBe('Complete');
  });

  it('redraws only the segment that grew', async () => {
    const before = stateAfter([live, ...chunks(['stdout', 'first\n'], ['stderr', 'second'])]);
    const wrapper = mountOutput(before);
    const [first, second] = wrapper.findAll('.session-output-segment').map((segment) => segment.element);
    const after = reduceOutputState(before, { type: 'output', chunk: { stream: 'stderr', text: ' grows\n', offset: before.offset + 7 }, at: 2 });
    const firstText = first!.firstChild;
    await wrapper.setProps({ output: after });
    const now = wrapper.findAll('.session-output-segment').map((segment) => segment.element);
    expect(now[0]).toBe(first);
    expect(now[0]!.firstChild).toBe(firstText);
    expect(now[1]).toBe(second);
    expect(now[1]!.textContent).toBe('second grows\n');
  });
});

describe('follow state', () => {
  it.each([
    ['live', null, 'Live'],
    ['polling', null, 'Updating every 2 s'],
    ['paused', null, 'Paused while this tab is hidden'],
    ['connecting', null, 'Connecting…'],
    ['offline', 'The server did not answer.', 'Offline: The server did not answer.'],
  ] as const)('says %s in words', (state, error, text) => {
    const wrapper = mountOutput(stateAfter([{ type: 'status', state, error }]));
    expect(wrapper.get('[data-testid="output-follow"]').text()).toBe(text);
    expect(wrapper.get('[data-testid="output-follow"]').attributes('role')).toBe('status');
  });

  it('offers a retry while offline', async () => {
    const wrapper = mountOutput(stateAfter([{ type: 'status', state: 'offline', error: 'Cannot reach the server.' }]));
    await wrapper.get('[data-testid="output-retry"]').trigger('click');
    expect(wrapper.emitted('retry')).toHaveLength(1);
  });

  it('is not a live region: chunks are not announced', () => {
    const wrapper = mountOutput(stateAfter([live, ...chunks(['stdout', 'x\n'])]));
    const scroller = wrapper.get('[data-testid="output-scroller"]');
    expect(scroller.attributes()).toMatchObject({ role: 'region', 'aria-label': 'Output of build', tabindex: '0' });
    expect(wrapper.find('[data-testid="output-text"] [aria-live]').exists()).toBe(false);
    expect(scroller.attributes('aria-live')).toBeUndefined();
  });
});

describe('stick to the bottom', () => {
  it('follows new output while at the bottom, stops when scrolled up, and jumps back', async () => {
    let output = stateAfter([live, ...chunks(['stdout', 'line\n'])]);
    const wrapper = mountOutput(output);
    const scroller = layOut(wrapper, 500);
    const grow = async () => {
      output = reduceOutputState(output, { type: 'output', chunk: { stream: 'stdout', text: 'more\n', offset: output.offset + 5 }, at: 2 });
      await wrapper.setProps({ output });
      await flushPromises();
    };
    await grow();
    expect(scroller.scrollTop).toBe(500);
    expect(wrapper.find('[data-testid="jump-to-latest"]').exists()).toBe(false);

    scroller.scrollTop = 120;
    await wrapper.get('[data-testid="output-scroller"]').trigger('scroll');
    layOut(wrapper, 800);
    await grow();
    expect(scroller.scrollTop).toBe(120);
    const jump = wrapper.get('[data-testid="jump-to-latest"]');
    expect(jump.text()).toBe('Jump to latest ↓');

    (jump.element as HTMLElement).focus();
    await jump.trigger('click');
    expect(scroller.scrollTop).toBe(800);
    expect(wrapper.find('[data-testid="jump-to-latest"]').exists()).toBe(false);
    // Focus went to the output, not to <body>, when the button went.
    expect(document.activeElement).toBe(scroller);
  });

  it('counts a view within a few pixels of the bottom as at the bottom', async () => {
    const wrapper = mountOutput(stateAfter([live, ...chunks(['stdout', 'line\n'])]));
    const scroller = layOut(wrapper, 500);
    scroller.scrollTop = 0;
    await wrapper.get('[data-testid="output-scroller"]').trigger('scroll');
    await nextFrame();
    expect(wrapper.find('[data-testid="jump-to-latest"]').exists()).toBe(true);
    scroller.scrollTop = 390;
    await wrapper.get('[data-testid="output-scroller"]').trigger('scroll');
    await nextFrame();
    expect(wrapper.find('[data-testid="jump-to-latest"]').exists()).toBe(false);
  });

  it('takes its own scroll to the bottom for no reason to stop following, though output grew meanwhile', async () => {
    let output = stateAfter([live, ...chunks(['stdout', 'line\n'])]);
    const wrapper = mountOutput(output);
    const scroller = layOut(wrapper, 500);
    output = reduceOutputState(output, { type: 'output', chunk: { stream: 'stdout', text: 'more\n', offset: output.offset + 5 }, at: 2 });
    await wrapper.setProps({ output });
    await nextFrame();
    expect(scroller.scrollTop).toBe(500);
    // The scroll event of that move comes after more output made the content taller.
    layOut(wrapper, 900);
    await wrapper.get('[data-testid="output-scroller"]').trigger('scroll');
    await nextFrame();
    expect(wrapper.find('[data-testid="jump-to-latest"]').exists()).toBe(false);
    expect(scroller.scrollTop).toBe(900);
  });
});

describe('search', () => {
  const text = stateAfter([live, ...chunks(['stdout', 'Error one\nfine\n'], ['stderr', 'error \x1b[31mtwo\x1b[0m\n'], ['stdout', 'ERROR three\n'])]);

  async function searchFor(query: string) {
    const wrapper = mountOutput(text);
    await wrapper.get('[data-testid="output-search"]').setValue(query);
    return wrapper;
  }

  it('highlights every match, ignoring case, and counts them', async () => {
    const wrapper = await searchFor('error');
    const marks = wrapper.findAll('mark');
    expect(marks.map((mark) => [mark.text(), mark.attributes('data-match')])).toEqual([
      ['Error', '0'],
      ['error', '1'],
      ['ERROR', '2'],
    ]);
    expect(wrapper.get('[data-testid="output-search-count"]').text()).toBe('1 of 3');
    expect(marks[0]!.attributes('aria-current')).toBe('true');
  });

  it('moves to the next and previous match, round the ends, with buttons and Enter', async () => {
    const wrapper = await searchFor('error');
    const scrolled = vi.fn();
    HTMLElement.prototype.scrollIntoView = scrolled;
    await wrapper.get('[data-testid="search-next"]').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid="output-search-count"]').text()).toBe('2 of 3');
    expect(wrapper.get('mark[aria-current="true"]').attributes('data-match')).toBe('1');
    expect(scrolled).toHaveBeenLastCalledWith({ block: 'center', inline: 'nearest' });
    await wrapper.get('[data-testid="output-search"]').trigger('keydown', { key: 'Enter' });
    await wrapper.get('[data-testid="output-search"]').trigger('keydown', { key: 'Enter' });
    expect(wrapper.get('[data-testid="output-search-count"]').text()).toBe('1 of 3');
    await wrapper.get('[data-testid="output-search"]').trigger('keydown', { key: 'Enter', shiftKey: true });
    expect(wrapper.get('[data-testid="output-search-count"]').text()).toBe('3 of 3');
    await wrapper.get('[data-testid="search-previous"]').trigger('click');
    expect(wrapper.get('[data-testid="output-search-count"]').text()).toBe('2 of 3');
  });

  it('keeps the colours inside a match', async () => {
    const wrapper = await searchFor('two');
    expect(wrapper.get('mark .ansi-red-fg').text()).toBe('two');
  });

  it('says when nothing matches, and clears on Escape', async () => {
    const wrapper = await searchFor('nothing like it');
    expect(wrapper.get('[data-testid="output-search-count"]').text()).toBe('No matches');
    expect(wrapper.get('[data-testid="search-next"]').attributes('aria-disabled')).toBe('true');
    await wrapper.get('[data-testid="output-search"]').trigger('keydown', { key: 'Escape' });
    expect(wrapper.findAll('mark')).toHaveLength(0);
    expect(wrapper.get('[data-testid="output-search-count"]').text()).toBe('');
  });
});

describe('download', () => {
  it('saves the output as plain text named after the session', async () => {
    const blobs: Blob[] = [];
    const createObjectURL = vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      blobs.push(blob as Blob);
      return 'blob:test';
    });
    const clicks: { download: string; href: string }[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push({ download: this.download, href: this.href });
    });
    try {
      const output = stateAfter([live, { type: 'truncated', from: 10, at: 1 }, { type: 'output', chunk: { stream: 'stdout', text: '\x1b[32mok\x1b[0m\r\n', offset: 20 }, at: 1 }, { type: 'output', chunk: { stream: 'stderr', text: 'warn\n', offset: 25 }, at: 1 }], '0b3c41d2-1111');
      const wrapper = mountOutput(output);
      await wrapper.get('[data-testid="download-output"]').trigger('click');
      expect(clicks).toEqual([{ download: 'build-0b3c41d2.txt', href: 'blob:test' }]);
      expect(blobs[0]!.type).toBe('text/plain;charset=utf-8');
      expect(await blobs[0]!.text()).toBe('[older output dropped; what follows starts at byte 10]\nok\nwarn\n');
      expect(document.querySelector('a[download]')).toBeNull();
    } finally {
      createObjectURL.mockRestore();
      click.mockRestore();
    }
  });
});
