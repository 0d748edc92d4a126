import { onScopeDispose, shallowRef, watch } from 'vue';
import type { Ref } from 'vue';
import { usePreferencesStore } from '../stores/usePreferencesStore.ts';
import { useSessionsStore } from '../stores/useSessionsStore.ts';
import { sessionAlerts, summariseAlerts } from '../utils/sessionAlerts.ts';
import type { SessionAlert } from '../utils/sessionAlerts.ts';

/** The parts of the browser's `Notification` that {@link useSessionAlerts} uses. */
export interface NotificationLike {
  readonly permission: NotificationPermission;
  new (title: string, options?: NotificationOptions): unknown;
}

/** Options of {@link useSessionAlerts}; every one has a default. */
export interface UseSessionAlertsOptions {
  /** How long alerts are gathered before they are told, so a burst is one message. @default 1500 */
  gatherMs?: number;
  /** Least time between two messages. @default 5000 */
  minGapMs?: number;
  /** `null`: no notifications. @default globalThis.Notification */
  Notification?: NotificationLike | null;
  /** True while the person looks at this tab: no notification is shown then. @default visible and focused */
  isAttended?: () => boolean;
  /** @default Date.now */
  now?: () => number;
}

/** {@link useSessionAlerts}'s result. */
export interface UseSessionAlertsReturn {
  /** For a polite live region: the latest message, e.g. `build exited with code 2.` */
  announcement: Readonly<Ref<string>>;
}

const KIND_TITLES: Record<SessionAlert['kind'], string> = {
  failed: 'failed to start',
  exited: 'exited with an error',
  lost: 'was lost',
};

/**
 * Tells of sessions that fail, exit non-zero or are lost (changes seen after the first
 * list, not the list itself): in a message for a polite live region, and, when the person
 * turned notifications on and the browser allows them, in a browser notification while
 * the tab is not looked at. Alerts are rate-limited: those within `gatherMs`, and those
 * within `minGapMs` of the last message, become one message.
 */
export function useSessionAlerts(options: UseSessionAlertsOptions = {}): UseSessionAlertsReturn {
  const gatherMs = options.gatherMs ?? 1500;
  const minGapMs = options.minGapMs ?? 5000;
  const NotificationCtor =
    options.Notification === undefined ? ((globalThis as { Notification?: NotificationLike }).Notification ?? null) : options.Notification;
  const isAttended = options.isAttended ?? (() => document.visibilityState === 'visible' && document.hasFocus());
  const now = options.now ?? Date.now;
  const store = useSessionsStore();
  const preferences = usePreferencesStore();

  const announcement = shallowRef('');
  let pending: SessionAlert[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastToldAt = Number.NEGATIVE_INFINITY;

  function notify(alerts: readonly SessionAlert[], text: string): void {
    if (!preferences.notifications || NotificationCtor === null || NotificationCtor.permission !== 'granted' || isAttended()) return;
    const [only] = alerts;
    const title = alerts.length === 1 && only ? `${only.name} ${KIND_TITLES[only.kind]}` : `${alerts.length} sessions need attention`;
    try {
      // The tag makes the dashboard's other tabs replace, not repeat, the same notification.
      new NotificationCtor(title, { body: text, tag: alerts.length === 1 && only ? `sessionboard-${only.id}-${only.kind}` : 'sessionboard-alerts' });
    } catch {
      // Some browsers (Chrome on Android) only notify through a service worker.
    }
  }

  function tell(): void {
    timer = null;
    const alerts = pending;
    pending = [];
    if (alerts.length === 0) return;
    lastToldAt = now();
    const text = summariseAlerts(alerts);
    // A live region says nothing when its text does not change: tell a repeat apart.
    announcement.value = announcement.value === text ? `${text}\u00a0` : text;
    notify(alerts, text);
  }

  watch(
    [() => store.sessionsById, () => store.lastUpdateAt],
    ([next, updatedAt], [previous, previousUpdateAt]) => {
      // The first list is how things are, not news.
      if (updatedAt === null || previousUpdateAt === null) return;
      const alerts = sessionAlerts(previous, next);
      if (alerts.length === 0) return;
      pending.push(...alerts);
      timer ??= setTimeout(tell, Math.max(gatherMs, lastToldAt + minGapMs - now()));
    },
  );

  onScopeDispose(() => {
    if (timer !== null) clearTimeout(timer);
  });

  return { announcement };
}
