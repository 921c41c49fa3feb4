import { Button, Result } from 'antd';
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

function Crashed() {
  const { t } = useTranslation();
  return (
    <Result
      status="error"
      title={t('errors.crashed')}
      subTitle={t('errors.crashedHint')}
      extra={
        <Button type="primary" onClick={() => window.location.reload()}>
          {t('errors.reload')}
        </Button>
      }
    />
  );
}

interface Props {
  children: ReactNode;
  /** A new key (e.g. the path) clears the error, so navigating away recovers. */
  resetKey: string;
}

/**
 * Catches render errors and failed lazy-chunk loads (a tab left open across a deploy) so one
 * broken page does not blank the whole console.
 */
export class ErrorBoundary extends Component<Props, { error: unknown; key: string }> {
  state = { error: null as unknown, key: this.props.resetKey };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: { error: unknown; key: string }) {
    return props.resetKey === state.key ? null : { error: null, key: props.resetKey };
  }

  componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error(error, info.componentStack);
  }

  render() {
    return this.state.error ? <Crashed /> : this.props.children;
  }
}
