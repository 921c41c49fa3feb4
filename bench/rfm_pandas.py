"""RFM in pandas over the benchmark's orders CSV: the same definition as Siyu's ClickHouse query
(newest version of each order, completed only, net of refunds, last N local days, quintile cut
points at element floor(level * n) of the sorted values, high = score above the mean).
Prints JSON: load time, compute times and customers per segment bits (4R + 2F + M)."""
import json
import sys
import time

import numpy as np
import pandas as pd

path, from_ms, now_ms, tz_offset_ms, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
DAY = 86_400_000
LEVELS = (0.2, 0.4, 0.6, 0.8)

t0 = time.perf_counter()
orders = pd.read_csv(
    path,
    header=None,
    names=['order_id', 'customer_id', 'status', 'ordered_at', 'ms', 'total_fen', 'refunded_fen', 'version'],
    usecols=['order_id', 'customer_id', 'status', 'ms', 'total_fen', 'refunded_fen', 'version'],
    dtype={'order_id': str, 'customer_id': 'category', 'status': 'category', 'ms': np.int64, 'total_fen': np.int64, 'refunded_fen': np.int64, 'version': np.int64},
)
load_s = time.perf_counter() - t0


def cuts(values):
    s = np.sort(values)
    return [s[min(len(s) - 1, int(np.floor(level * len(s))))] for level in LEVELS]


def rfm(df):
    latest = df.sort_values('version', kind='stable').drop_duplicates('order_id', keep='last')
    o = latest[(latest['status'] == 'completed') & (latest['ms'] >= from_ms) & (latest['ms'] <= now_ms)]
    o = o.assign(day=(o['ms'] + tz_offset_ms) // DAY, net=(o['total_fen'] - o['refunded_fen']).clip(lower=0))
    g = o.groupby('customer_id', observed=True).agg(last=('day', 'max'), f=('day', 'size'), m=('net', 'sum'))
    today = (now_ms + tz_offset_ms) // DAY
    rd = (today - g['last']).to_numpy()
    f = g['f'].to_numpy()
    m = g['m'].to_numpy()
    r_s = 1 + sum((rd < c).astype(np.int64) for c in cuts(rd))
    f_s = 1 + sum((f > c).astype(np.int64) for c in cuts(f))
    m_s = 1 + sum((m > c).astype(np.int64) for c in cuts(m))
    bits = (r_s > r_s.mean()) * 4 + (f_s > f_s.mean()) * 2 + (m_s > m_s.mean())
    return np.bincount(bits, minlength=8)


times = []
for _ in range(runs):
    t = time.perf_counter()
    counts = rfm(orders)
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps({'rows': len(orders), 'load_ms': load_s * 1000, 'times_ms': times, 'segments': counts.tolist(), 'pandas': pd.__version__}))
