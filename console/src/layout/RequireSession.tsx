import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { ErrorState } from '../components/ErrorState';
import { Loading } from '../components/Loading';
import { useSession } from '../hooks/useSession';

/** Renders children once `/api/auth/me` has answered; sends anonymous visitors to the login page. */
export function RequireSession({ children }: { children: ReactNode }) {
  const { status, error, reload } = useSession();
  const location = useLocation();

  if (status === 'loading') return <Loading fullscreen />;
  if (status === 'error') return <ErrorState error={error} onRetry={reload} />;
  if (status === 'anonymous') {
    const next = `${location.pathname}${location.search}`;
    const search = next === '/' ? '' : `?${new URLSearchParams({ next })}`;
    return <Navigate to={`/login${search}`} replace />;
  }
  return children;
}
