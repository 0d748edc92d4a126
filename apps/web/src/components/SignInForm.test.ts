import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '@sessionboard/client';
import { useSessionsStore } from '../stores/useSessionsStore.ts';
import { fakeBackend } from '../testing/fakeBackend.ts';
import SignInForm from './SignInForm.vue';

enableAutoUnmount(afterEach);

beforeEach(() => {
  setActivePinia(createPinia());
});

function mountForm() {
  const fake = fakeBackend();
  useSessionsStore().startConnection(fake.backend);
  return { wrapper: mount(SignInForm), ...fake };
}

describe('SignInForm', () => {
  it('is a password field with a submit button and no error', () => {
    const { wrapper } = mountForm();
    const input = wrapper.get('[data-testid="token-input"]');
    expect(input.attributes('type')).toBe('password');
    expect(input.attributes('autocomplete')).toBe('current-password');
    expect(wrapper.get('[data-testid="sign-in-submit"]').text()).toBe('Sign in');
    expect(wrapper.find('[data-testid="sign-in-error"]').exists()).toBe(false);
  });

  it('signs in with the trimmed token, clears it, and has the client retry at once', async () => {
    const { wrapper, api, client } = mountForm();
    await wrapper.get('[data-testid="token-input"]').setValue('  tok-0123456789abcdef ');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(api.signIn).toHaveBeenCalledExactlyOnceWith('tok-0123456789abcdef');
    expect(client.reconnect).toHaveBeenCalledTimes(1);
    expect((wrapper.get('[data-testid="token-input"]').element as HTMLInputElement).value).toBe('');
    expect(wrapper.find('[data-testid="sign-in-error"]').exists()).toBe(false);
  });

  it('asks for a token instead of sending an empty one', async () => {
    const { wrapper, api } = mountForm();
    await wrapper.get('[data-testid="token-input"]').setValue('   ');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe('Enter the access token.');
    expect(api.signIn).not.toHaveBeenCalled();
  });

  it.each([
    [new ApiError(401, 'unauthorized', "That is not this server's AUTH_TOKEN.")],
    [new ApiError(429, 'rate_limited', 'More than 10 sign-in attempts or wrong tokens a minute from your address; wait 42 s (Retry-After).')],
  ])('shows the server’s refusal (%s) and keeps the client waiting', async (refusal) => {
    const { wrapper, api, client } = mountForm();
    api.signIn.mockRejectedValueOnce(refusal);
    await wrapper.get('[data-testid="token-input"]').setValue('wrong-token-0123456789');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="sign-in-error"]').text()).toBe(refusal.message);
    expect(wrapper.get('[data-testid="token-input"]').attributes('aria-invalid')).toBe('true');
    expect(client.reconnect).not.toHaveBeenCalled();
  });

  it('disables the button while signing in', async () => {
    const { wrapper, api } = mountForm();
    let answer: () => void = () => {};
    api.signIn.mockReturnValueOnce(new Promise<void>((resolve) => (answer = resolve)));
    await wrapper.get('[data-testid="token-input"]').setValue('tok-0123456789abcdef');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('[data-testid="sign-in-submit"]').attributes('disabled')).toBe('');
    expect(wrapper.get('[data-testid="sign-in-submit"]').text()).toBe('Signing in…');
    answer();
    await flushPromises();
    expect(wrapper.get('[data-testid="sign-in-submit"]').attributes('disabled')).toBeUndefined();
  });
});
