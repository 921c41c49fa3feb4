import { Select } from 'antd';
import { useState } from 'react';
import { api } from '../api';
import { useDebouncedValue } from '../hooks/useDebouncedValue';
import { useRequest } from '../hooks/useRequest';
import type { CustomerRow, Page } from '../types';

/** Searches customers by name, phone or email and picks one. */
export function CustomerSelect({ value, onChange, placeholder, testId, style }: { value?: string; onChange: (id: string) => void; placeholder?: string; testId?: string; style?: React.CSSProperties }) {
  const [q, setQ] = useState('');
  const query = useDebouncedValue(q, 300);
  const customers = useRequest((signal) => api.get<Page<CustomerRow>>('/api/customers', { signal, query: { q: query, limit: 20 } }), [query]);
  return (
    <Select
      showSearch={{ filterOption: false, onSearch: setQ }}
      style={{ width: '100%', ...style }}
      placeholder={placeholder}
      value={value}
      onChange={onChange}
      loading={customers.loading}
      options={(customers.data?.items ?? []).map((c) => ({ value: c.id, label: `${c.name ?? c.id.slice(0, 8)}${c.phone ? ` · ${c.phone}` : ''}${c.city ? ` · ${c.city}` : ''}` }))}
      data-testid={testId}
    />
  );
}
