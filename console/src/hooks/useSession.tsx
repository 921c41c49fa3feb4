import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, onUnauthorized, ApiError } from '../api';
import type { Session } from '../types';

type Status = 'loading' | 'anonymous' | 'ready' | 'error';

interface SessionContextValue {
  status: Status;
  session: Session | null;
  error: unknown;
  /** Sets the session returned by login or workspace switch. */
  signIn: (session: Session) => void;
  reload: () => void;
  switchWorkspace: (slug: string) => Promise<void>;
  logout: () => Promise<void>;
  can: (permission: string) => boolean;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [status, setStatus] = useState<Status>('loading');
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<unknown>();
  const [attempt, setAttempt] = useState(0);

  const signIn = useCallback((next: Session) => {
    setSession(next);
    setStatus('ready');
  }, []);

  const signOut = useCallback(() => {
    setSession(null);
    setStatus('anonymous');
  }, []);

  useEffect(() => {
    onUnauthorized(signOut);
    return () => onUnauthorized(null);
  }, [signOut]);

  useEffect(() => {
    const controller = new AbortController();
    setStatus('loading');
    api.get<Session>('/api/auth/me', { signal: controller.signal, ignoreUnauthorized: true }).then(signIn, (err: unknown) => {
      if (controller.signal.aborted) return;
      if (err instanceof ApiError && err.status === 401) {
        signOut();
      } else {
        setError(err);
        setStatus('error');
      }
    });
    return () => controller.abort();
  }, [attempt, signIn, signOut]);

  const value = useMemo<SessionContextValue>(
    () => ({
      status,
      session,
      error,
      signIn,
      reload: () => setAttempt((n) => n + 1),
      switchWorkspace: async (slug) => signIn(await api.post<Session>('/api/auth/switch', { workspace: slug })),
      logout: async () => {
        await api.post('/api/auth/logout').finally(signOut);
      },
      can: (permission) => session?.permissions.includes(permission) ?? false,
    }),
    [status, session, error, signIn, signOut],
  );

  return <SessionContext value={value}>{children}</SessionContext>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}
