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
  document.body.innerHTML = '';
});

function mountForm() {
  const fake = fakeBackend();
  fake.push({ type: 'status', status: 'live', error: null });
  useSessionsStore().startConnection(fake.backend);
  const wrapper = mount(NewSessionForm, { attachTo: document.body.appendChild(document.createElement('div')) });
  return { wrapper, ...fake };
}

const value = (wrapper: ReturnType<typeof mountForm>['wrapper'], testId: string) =>
  (wrapper.get(`[data-testid="${testId}"]`).element as HTMLInputElement).value;

describe('validation', () => {
  it('refuses an empty command without a request, on the command field', async () => {
    const { wrapper, api } = mountForm();
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    const error = wrapper.get('[data-testid="command-error"]');
    expect(error.text()).toBe('Enter a command to run.');
    const input = wrapper.get('[data-testid="command-input"]');
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(input.attributes('aria-describedby')).toContain(error.attributes('id'));
    expect(wrapper.find('[data-testid="form-error"]').exists()).toBe(false);
    expect(api.createSession).not.toHaveBeenCalled();
  });

  it('names an unclosed quote and puts focus on the command', async () => {
    const { wrapper, api } = mountForm();
    await wrapper.get('[data-testid="command-input"]').setValue(`echo "hi`);
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="command-error"]').text()).toBe('A double quote (") is not closed.');
    expect(document.activeElement).toBe(wrapper.get('[data-testid="command-input"]').element);
    expect(api.createSession).not.toHaveBeenCalled();
  });

  it('refuses a relative folder on the directory field', async () => {
    const { wrapper, api } = mountForm();
    await wrapper.get('[data-testid="command-input"]').setValue('ls');
    await wrapper.get('[data-testid="cwd-input"]').setValue('src');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    expect(wrapper.get('[data-testid="cwd-error"]').text()).toBe('Give the folder as a full path, starting with /.');
    expect(wrapper.get('[data-testid="cwd-input"]').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('[data-testid="command-input"]').attributes('aria-invalid')).toBe('false');
    expect(api.createSession).not.toHaveBeenCalled();
  });

  it('clears a field’s error when that field is edited', async () => {
    const { wrapper } = mountForm();
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    expect(wrapper.find('[data-testid="command-error"]').exists()).toBe(true);
    await wrapper.get('[data-testid="command-input"]').setValue('l');
    expect(wrapper.find('[data-testid="command-error"]').exists()).toBe(false);
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
    expect([value(wrapper, 'command-input'), value(wrapper, 'name-input'), value(wrapper, 'cwd-input')]).toEqual(['', '', '/tmp']);
    expect(wrapper.find('[data-testid="form-error"]').exists()).toBe(false);
  });

  it.each([
    new ApiError(429, 'rate_limited', 'Too many requests: 100 per minute. Try again in 12 s.'),
    new ApiError(429, 'too_many_sessions', '64 sessions are running, the most this server allows.'),
    new ApiError(503, 'unavailable', 'Redis is unreachable; try again in 5 s.'),
  ])('shows the server’s message for $status $code on the form', async (error) => {
    const { wrapper, api } = mountForm();
    api.createSession.mockRejectedValue(error);
    await wrapper.get('[data-testid="command-input"]').setValue('ls');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="form-error"]').text()).toBe(error.message);
    expect(value(wrapper, 'command-input')).toBe('ls');
  });

  it.each([
    ['missing', 'does not exist on the server'],
    ['outside', 'is outside the folders this server lets sessions use (its FS_ROOT)'],
  ])('marks the directory field, not the command, for a %s folder', async (problem, words) => {
    const { wrapper, api } = mountForm();
    api.createSession.mockRejectedValue(
      new ApiError(400, 'invalid_cwd', 'cwd must be an existing absolute directory inside /home/user.', { cwd: '/srv/x', problem }),
    );
    await wrapper.get('[data-testid="command-input"]').setValue('ls');
    await wrapper.get('[data-testid="cwd-input"]').setValue('/srv/x');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    await flushPromises();
    const error = wrapper.get('[data-testid="cwd-error"]').text();
    expect(error).toContain(`“/srv/x” ${words}`);
    expect(error).not.toContain('cwd');
    expect(wrapper.get('[data-testid="cwd-input"]').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('[data-testid="command-input"]').attributes('aria-invalid')).toBe('false');
    expect(wrapper.find('[data-testid="form-error"]').exists()).toBe(false);
    expect(document.activeElement).toBe(wrapper.get('[data-testid="cwd-input"]').element);
    await wrapper.get('[data-testid="cwd-input"]').setValue('/srv');
    expect(wrapper.find('[data-testid="cwd-error"]').exists()).toBe(false);
  });

  it('clears the form’s error when the connection comes back', async () => {
    const { wrapper, api, push } = mountForm();
    api.createSession.mockRejectedValue(new ApiError(503, 'unavailable', 'Redis is unreachable; try again in 5 s.'));
    await wrapper.get('[data-testid="command-input"]').setValue('ls');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    await flushPromises();
    expect(wrapper.find('[data-testid="form-error"]').exists()).toBe(true);
    push({ type: 'status', status: 'connecting', error: null });
    push({ type: 'status', status: 'live', error: null });
    await flushPromises();
    expect(wrapper.find('[data-testid="form-error"]').exists()).toBe(false);
  });

  it('keeps the button focusable but inert while the request runs', async () => {
    const { wrapper, api } = mountForm();
    api.createSession.mockReturnValue(new Promise(() => {}));
    await wrapper.get('[data-testid="command-input"]').setValue('ls');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    const button = wrapper.get('[data-testid="submit-session"]');
    expect(button.attributes('aria-disabled')).toBe('true');
    expect(button.attributes('disabled')).toBeUndefined();
    expect(button.text()).toBe('Starting…');
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    expect(api.createSession).toHaveBeenCalledTimes(1);
  });
});

describe('shell syntax', () => {
  it('says the command runs without a shell and rewrites it to sh -c on request', async () => {
    const { wrapper, api } = mountForm();
    api.createSession.mockResolvedValue(session());
    await wrapper.get('[data-testid="command-input"]').setValue('ps aux | grep $USER > out.txt');
    const hint = wrapper.get('[data-testid="shell-hint"]');
    expect(hint.text()).toContain('“|”, “$USER”, “>” are shell syntax, but a session runs its command without a shell: ps gets them as plain text.');
    expect(wrapper.get('[data-testid="command-input"]').attributes('aria-describedby')).toContain(hint.get('p').attributes('id'));
    await wrapper.get('[data-testid="use-shell"]').trigger('click');
    expect(value(wrapper, 'command-input')).toBe(`sh -c 'ps aux | grep $USER > out.txt'`);
    expect(wrapper.find('[data-testid="shell-hint"]').exists()).toBe(false);
    expect(document.activeElement).toBe(wrapper.get('[data-testid="command-input"]').element);
    await wrapper.get('[data-testid="new-session-form"]').trigger('submit');
    await flushPromises();
    expect(api.createSession).toHaveBeenCalledWith({ command: ['sh', '-c', 'ps aux | grep $USER > out.txt'] });
  });

  it('gives no hint for a plain command', async () => {
    const { wrapper } = mountForm();
    await wrapper.get('[data-testid="command-input"]').setValue(`grep -E 'a|b' notes.txt`);
    expect(wrapper.find('[data-testid="shell-hint"]').exists()).toBe(false);
  });
});

describe('directory', () => {
  it('fills the cwd from the folder browser and returns focus to Browse', async () => {
    const { wrapper, api } = mountForm();
    api.listDirs.mockResolvedValue({ path: '/home/user', parent: '/home', dirs: ['code'] });
    await wrapper.get('[data-testid="browse-button"]').trigger('click');
    await flushPromises();
    await wrapper.get('[data-testid="dir-select"]').trigger('click');
    await flushPromises();
    expect(value(wrapper, 'cwd-input')).toBe('/home/user');
    expect(wrapper.find('[data-testid="dir-picker"]').exists()).toBe(false);
    expect(document.activeElement).toBe(wrapper.get('[data-testid="browse-button"]').element);
  });

  it('closes the folder browser on Escape and returns focus to Browse', async () => {
    const { wrapper, api } = mountForm();
    api.listDirs.mockResolvedValue({ path: '/home/user', parent: '/home', dirs: ['code'] });
    await wrapper.get('[data-testid="browse-button"]').trigger('click');
    await flushPromises();
    expect(document.activeElement).toBe(wrapper.get('[data-testid="dir-entry"]').element);
    await wrapper.get('[data-testid="dir-picker"]').trigger('cancel');
    await flushPromises();
    expect(wrapper.find('[data-testid="dir-picker"]').exists()).toBe(false);
    expect(document.activeElement).toBe(wrapper.get('[data-testid="browse-button"]').element);
    expect(value(wrapper, 'cwd-input')).toBe('');
  });
});
