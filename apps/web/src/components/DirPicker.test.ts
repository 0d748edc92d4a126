import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '@sessionboard/client';
import type { DirListing } from '@sessionboard/protocol';
import { useSessionsStore } from '../stores/useSessionsStore.ts';
import { fakeBackend } from '../testing/fakeBackend.ts';
import DirPicker from './DirPicker.vue';

enableAutoUnmount(afterEach);

const tree: Record<string, DirListing> = {
  '/home/user': { path: '/home/user', parent: '/home', dirs: ['code', 'notes'] },
  '/home/user/code': { path: '/home/user/code', parent: '/home/user', dirs: [] },
  '/home': { path: '/home', parent: null, dirs: ['user'] },
};

beforeEach(() => {
  setActivePinia(createPinia());
});

beforeEach(() => {
  document.body.innerHTML = '';
});

async function mountPicker(startPath?: string) {
  const fake = fakeBackend();
  fake.api.listDirs.mockImplementation(async (path) => {
    const listing = tree[path ?? '/home/user'];
    if (listing === undefined) throw new ApiError(403, 'forbidden', `${path} is outside /home/user.`);
    return listing;
  });
  useSessionsStore().startConnection(fake.backend);
  const wrapper = mount(DirPicker, {
    props: startPath === undefined ? {} : { startPath },
    attachTo: document.body.appendChild(document.createElement('div')),
  });
  await flushPromises();
  return { wrapper, ...fake };
}

describe('browsing', () => {
  it('opens the server’s root without a start path', async () => {
    const { wrapper, api } = await mountPicker();
    expect(api.listDirs).toHaveBeenCalledWith(undefined);
    expect(wrapper.get('[data-testid="dir-path"]').text()).toBe('/home/user');
    expect(wrapper.findAll('[data-testid="dir-entry"]').map((entry) => entry.text())).toEqual(['code', 'notes']);
  });

  it('goes into a folder and back up', async () => {
    const { wrapper, api } = await mountPicker('/home/user');
    await wrapper.get('[data-testid="dir-entry"][data-name="code"]').trigger('click');
    await flushPromises();
    expect(api.listDirs).toHaveBeenLastCalledWith('/home/user/code');
    expect(wrapper.get('[data-testid="dir-picker"]').text()).toContain('No subfolders here.');
    await wrapper.get('[data-testid="dir-up"]').trigger('click');
    await flushPromises();
    expect(api.listDirs).toHaveBeenLastCalledWith('/home/user');
  });

  it('cannot go above a listing without a parent', async () => {
    const { wrapper, api } = await mountPicker('/home');
    expect(wrapper.get('[data-testid="dir-up"]').attributes('aria-disabled')).toBe('true');
    await wrapper.get('[data-testid="dir-up"]').trigger('click');
    expect(api.listDirs).toHaveBeenCalledTimes(1);
  });
});

describe('choosing', () => {
  it('emits the folder shown', async () => {
    const { wrapper } = await mountPicker('/home/user');
    await wrapper.get('[data-testid="dir-select"]').trigger('click');
    expect(wrapper.emitted('select')).toEqual([['/home/user']]);
  });

  it('emits close on cancel', async () => {
    const { wrapper } = await mountPicker();
    await wrapper.get('[data-testid="dir-cancel"]').trigger('click');
    expect(wrapper.emitted('close')).toEqual([[]]);
  });
});

describe('errors', () => {
  it('shows the server’s message and offers the root', async () => {
    const { wrapper, api } = await mountPicker('/etc');
    expect(wrapper.get('[data-testid="dir-error"]').text()).toContain('/etc is outside /home/user.');
    await wrapper.get('[data-testid="dir-root"]').trigger('click');
    await flushPromises();
    expect(api.listDirs).toHaveBeenLastCalledWith(undefined);
    expect(wrapper.find('[data-testid="dir-error"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="dir-path"]').text()).toBe('/home/user');
  });
});

describe('keyboard', () => {
  it('opens as a modal dialog named for what it does', async () => {
    const { wrapper } = await mountPicker();
    const dialog = wrapper.get('[data-testid="dir-picker"]');
    expect(dialog.element.tagName).toBe('DIALOG');
    expect((dialog.element as HTMLDialogElement).open).toBe(true);
    expect(wrapper.get(`#${dialog.attributes('aria-labelledby')}`).text()).toBe('Choose a folder');
  });

  it('puts focus on the first folder, and on the folder left when going up', async () => {
    const { wrapper } = await mountPicker('/home/user');
    expect(document.activeElement).toBe(wrapper.get('[data-testid="dir-entry"][data-name="code"]').element);
    await wrapper.get('[data-testid="dir-entry"][data-name="code"]').trigger('click');
    await flushPromises();
    expect(document.activeElement).toBe(wrapper.get('[data-testid="dir-select"]').element);
    await wrapper.get('[data-testid="dir-up"]').trigger('click');
    await flushPromises();
    expect(document.activeElement).toBe(wrapper.get('[data-testid="dir-entry"][data-name="code"]').element);
  });

  it('keeps Tab and Shift+Tab inside the dialog', async () => {
    const { wrapper } = await mountPicker('/home/user');
    const dialog = wrapper.get('[data-testid="dir-picker"]');
    const select = wrapper.get('[data-testid="dir-select"]').element as HTMLElement;
    const up = wrapper.get('[data-testid="dir-up"]').element as HTMLElement;
    select.focus();
    await dialog.trigger('keydown', { key: 'Tab' });
    expect(document.activeElement).toBe(up);
    await dialog.trigger('keydown', { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(select);
  });

  it('closes on Escape', async () => {
    const { wrapper } = await mountPicker();
    await wrapper.get('[data-testid="dir-picker"]').trigger('cancel');
    expect(wrapper.emitted('close')).toEqual([[]]);
  });
});
