import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '@sessionboard/client';
import { useSessionsStore } from '../stores/useSessionsStore.ts';
import { fakeBackend, session } from '../testing/fakeBackend.ts';
import NewSessionForm from './NewSessionForm.vue';

enableAutoUnmount(afterEach);

beforeEach(() => {
  setActivePinia(createPinia());
});

function mountForm() {
  const fake = fakeBackend();
  useSessionsStore().startConnection(fake.backend);
  return { wrapper: mount(NewSessionForm), ...fake };
}

describe('validation', () => {
  it('refuses an empty command without a request', async () => {
    const { wrapper, api } = mountForm();
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    expect(wrapper.get('[data-testid="form-error"]').text()).toBe('Enter a command to run.');
    expect(wrapper.get('[data-testid="command-input"]').attributes('aria-invalid')).toBe('true');
    expect(api.createSession).not.toHaveBeenCalled();
  });

  it('names an unclosed quote', async () => {
    const { wrapper, api } = mountForm();
    await wrapper.get('[data-testid="command-input"]').setValue(`echo "hi`);
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    expect(wrapper.get('[data-testid="form-error"]').text()).toBe('A double quote (") is not closed.');
    expect(api.createSession).not.toHaveBeenCalled();
  });

  it('refuses a relative directory', async () => {
    const { wrapper, api } = mountForm();
    await wrapper.get('[data-testid="command-input"]').setValue('ls');
    await wrapper.get('[data-testid="cwd-input"]').setValue('src');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    expect(wrapper.get('[data-testid="form-error"]').text()).toBe('The directory must be an absolute path, starting with /.');
    expect(api.createSession).not.toHaveBeenCalled();
  });
});

describe('submitting', () => {
  it('sends the argv, name and cwd, then clears command and name', async () => {
    const { wrapper, api } = mountForm();
    api.createSession.mockResolvedValue(session());
    await wrapper.get('[data-testid="command-input"]').setValue(`sh -c 'sleep 1; echo "done"'`);
    expect(wrapper.findAll('.new-session-form__arg').map((arg) => arg.text())).toEqual(['sh', '-c', 'sleep 1; echo "done"']);
    await wrapper.get('[data-testid="name-input"]').setValue('napper');
    await wrapper.get('[data-testid="cwd-input"]').setValue('/tmp');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    await flushPromises();
    expect(api.createSession).toHaveBeenCalledWith({ command: ['sh', '-c', 'sleep 1; echo "done"'], name: 'napper', cwd: '/tmp' });
    expect((wrapper.get('[data-testid="command-input"]').element as HTMLInputElement).value).toBe('');
    expect((wrapper.get('[data-testid="name-input"]').element as HTMLInputElement).value).toBe('');
    expect((wrapper.get('[data-testid="cwd-input"]').element as HTMLInputElement).value).toBe('/tmp');
    expect(wrapper.find('[data-testid="form-error"]').exists()).toBe(false);
  });

  it.each([
    new ApiError(400, 'invalid_cwd', 'cwd "/etc/nope" is not an existing directory inside /home/user.'),
    new ApiError(429, 'rate_limited', 'Too many requests: 100 per minute. Try again in 12 s.'),
    new ApiError(429, 'too_many_sessions', '64 sessions are running, the most this server allows.'),
  ])('shows the server’s message for $status $code', async (error) => {
    const { wrapper, api } = mountForm();
    api.createSession.mockRejectedValue(error);
    await wrapper.get('[data-testid="command-input"]').setValue('ls');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="form-error"]').text()).toBe(error.message);
    expect((wrapper.get('[data-testid="command-input"]').element as HTMLInputElement).value).toBe('ls');
  });

  it('disables the button while the request runs', async () => {
    const { wrapper, api } = mountForm();
    api.createSession.mockReturnValue(new Promise(() => {}));
    await wrapper.get('[data-testid="command-input"]').setValue('ls');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    const button = wrapper.get('[data-testid="submit-session"]');
    expect(button.attributes('disabled')).toBe('');
    expect(button.text()).toBe('Starting…');
  });
});

describe('directory', () => {
  it('fills the cwd from the folder browser', async () => {
    const { wrapper, api } = mountForm();
    api.listDirs.mockResolvedValue({ path: '/home/user', parent: '/home', dirs: ['code'] });
    await wrapper.get('[data-testid="browse-button"]').trigger('click');
    await flushPromises();
    await wrapper.get('[data-testid="dir-select"]').trigger('click');
    expect((wrapper.get('[data-testid="cwd-input"]').element as HTMLInputElement).value).toBe('/home/user');
    expect(wrapper.find('[data-testid="dir-picker"]').exists()).toBe(false);
  });
});
