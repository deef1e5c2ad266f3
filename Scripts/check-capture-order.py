"""A model of the reader's merge of a plain capture, to check an order rule before it is built in
Swift (session 10 checked the stripe rule of clock keys with it).

Reads a plain capture written with WORKSHOP_CAPTURE (versions 3 and 6: counter keys, or clock keys
with stripe numbers; no COLUMNS, no LOST or EXEC handling), merges the streams as the reader does
(by key; a stripe's events in their numbers' order; records that define FRAMEs or MODULES in key
order), and checks the order: no FREE of an address not live, no ALLOC of a live one (a realloc's
FREE waits for its ALLOC, as the reader's pairing does). NOGATE=1 merges by key alone.

Usage: python3 Scripts/check-capture-order.py CAPTURE   (slow: about 10 s a million records)
"""
import heapq, sys, collections
BASE = 1 << 62
import os
NOGATE = os.environ.get('NOGATE') == '1'
data = open(sys.argv[1], 'rb').read()
pos = 48
def uv(b, p):
    r = 0; s = 0
    while True:
        x = b[p]; p += 1
        r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, p
def sv(b, p):
    u, p = uv(b, p)
    return (u >> 1) ^ -(u & 1), p
def string(b, p):
    n, p = uv(b, p); return b[p:p+n], p+n
def stripe_of(a): return (a >> 26) & 255
streams = collections.defaultdict(list)   # stream id -> records in order
recent = collections.defaultdict(list)
syncs = 0
n_clock = n_counter = 0
while pos < len(data):
    tag = data[pos]; start = pos; pos += 1
    if tag == 0x0b:
        thread, pos = uv(data, pos); sid, pos = uv(data, pos); length, pos = uv(data, pos)
        end = pos + length; key = 0; addr = 0; th = thread; frames = 0
        next_q = collections.defaultdict(int)
        while pos < end:
            t = data[pos]; pos += 1
            if t == 0x02:
                _, pos = uv(data, pos); _, pos = sv(data, pos); frames += 1; continue
            if t == 0x03:
                th, pos = uv(data, pos); continue
            typ = t & 0x70
            if (t & 0x80) and typ != 0:
                key += 0 if key >= BASE else 1
            else:
                d, pos = uv(data, pos); key += d
            kind = t & 0x0f
            rec = {'key': key, 'th': th, 'sid': sid, 'frames': frames, 'q': None, 'addr': 0, 'kind': kind}
            frames = 0
            if typ in (0x10, 0x20, 0x30):
                if typ == 0x10:
                    d, pos = sv(data, pos); addr = (addr + d) & (2**64-1)
                    _, pos = uv(data, pos); _, pos = uv(data, pos)
                    recent[sid].append(addr); rec['t'] = 'A'
                elif typ == 0x20:
                    d, pos = sv(data, pos); addr = (addr + d) & (2**64-1); rec['t'] = 'F'
                else:
                    back, pos = uv(data, pos); addr = recent[sid][-back]; rec['t'] = 'F'
                rec['addr'] = addr
                if key >= BASE:
                    d, pos = uv(data, pos); s = stripe_of(addr); q = next_q[s] + d; next_q[s] = q + 1
                    rec['q'] = (s, q); n_clock += 1
                else:
                    n_counter += 1
            else:
                rec['t'] = 'R%x' % t
                if t == 0x04:
                    for _ in range(3): _, pos = uv(data, pos)
                elif t == 0x05:
                    n, pos = uv(data, pos)
                    for _ in range(n):
                        _, pos = string(data, pos)
                        for _ in range(3): _, pos = uv(data, pos)
                elif t == 0x06: _, pos = string(data, pos)
                elif t == 0x07:
                    _, pos = string(data, pos); n, pos = uv(data, pos)
                    for _ in range(n): _, pos = string(data, pos)
                elif t == 0x08: _, pos = uv(data, pos)
                elif t == 0x0e:
                    s, pos = uv(data, pos); d, pos = uv(data, pos); q = next_q[s] + d; next_q[s] = q + 1
                    rec['q'] = (s, q)
                else: raise Exception('unknown tag %x' % t)
            streams[sid].append(rec)
        pos = end
    elif tag == 0x0c:
        _, pos = uv(data, pos); syncs += 1
    elif tag == 0x09:
        a, pos = uv(data, pos); b, pos = uv(data, pos); print('LOST', a, b)
    elif tag == 0x0a:
        _, pos = uv(data, pos); print('EXEC')
    else:
        raise Exception('top tag %x at %d' % (tag, start))
total = sum(len(v) for v in streams.values())
print(f'records {total} (clock-keyed events {n_clock}, counter-keyed {n_counter}), streams {len(streams)}, syncs {syncs}')
# realloc pairing: a realloc FREE (kind 1) followed in its stream by an ALLOC of kind realloc(2)/reallocarray(3)
for recs in streams.values():
    for i in range(len(recs) - 1):
        if recs[i]['t'] == 'F' and recs[i]['kind'] == 1 and recs[i+1]['t'] == 'A' and recs[i+1]['kind'] in (2, 3):
            recs[i]['paired'] = True; recs[i+1]['paired_free'] = recs[i]['addr']
stacked = sorted(r['key'] for v in streams.values() for r in v if r['frames'] or r['t'] == 'R5')
stacked_i = 0
expected = collections.defaultdict(int)
heads = {sid: 0 for sid in streams}
heap = [(v[0]['key'], sid) for sid, v in streams.items() if v]
heapq.heapify(heap)
parked = collections.defaultdict(list)   # (stripe) -> sids waiting
parked_stacked = []
delivered = []
inversions = 0
last_key = 0
def eligible(r):
    if not NOGATE and r['q'] is not None and expected[r['q'][0]] != r['q'][1]:
        return 'stripe'
    if (r['frames'] or r['t'] == 'R5') and stacked[stacked_i] != r['key']:
        return 'stacked'
    return None
while heap:
    key, sid = heapq.heappop(heap)
    r = streams[sid][heads[sid]]
    why = eligible(r)
    if why == 'stripe':
        parked[r['q'][0]].append(sid); continue
    if why == 'stacked':
        parked_stacked.append(sid); continue
    delivered.append(r)
    if r['key'] < last_key: inversions += 1
    last_key = max(last_key, r['key'])
    if r['q'] is not None:
        expected[r['q'][0]] += 1
        for w in parked.pop(r['q'][0], []):
            heapq.heappush(heap, (streams[w][heads[w]]['key'], w))
    if r['frames'] or r['t'] == 'R5':
        stacked_i += 1
        for w in parked_stacked: heapq.heappush(heap, (streams[w][heads[w]]['key'], w))
        parked_stacked = []
    heads[sid] += 1
    if heads[sid] < len(streams[sid]):
        heapq.heappush(heap, (streams[sid][heads[sid]]['key'], sid))
left = total - len(delivered)
print(f'delivered {len(delivered)}, stuck {left} (parked on stripes {sum(len(v) for v in parked.values())}, on stacks {len(parked_stacked)}), key inversions {inversions}')
live = {}; deferred = {}; bad = 0
def dfree(r):
    global bad
    if r['addr'] not in live:
        bad += 1
        if bad <= 5: print('FREE of not-live', hex(r['addr']), r)
    else: del live[r['addr']]
for r in delivered:
    if r['t'] == 'A':
        pf = r.get('paired_free')
        if pf is not None and pf in deferred: dfree(deferred.pop(pf))
        if r['addr'] in deferred: dfree(deferred.pop(r['addr']))
        if r['addr'] in live:
            bad += 1
            if bad <= 5: print('ALLOC of live', hex(r['addr']), r)
        live[r['addr']] = r
    elif r['t'] == 'F':
        if r.get('paired'): deferred[r['addr']] = r
        else: dfree(r)
print('order errors', bad, 'live at end', len(live))
