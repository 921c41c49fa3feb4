import { Flex, Spin } from 'antd';

/** Centered spinner for lazy pages and the initial session check. */
export function Loading({ fullscreen = false }: { fullscreen?: boolean }) {
  return (
    <Flex align="center" justify="center" style={{ minHeight: fullscreen ? '100vh' : 320 }}>
      <Spin size="large" />
    </Flex>
  );
}
