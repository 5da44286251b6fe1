#!/usr/bin/python3
"""Converts mail-auth's spf/*.yml (unchanged from upstream) into mail-auth-spf.json, the
form tests/unit/spf/suite_test.cpp reads. Run from this directory:

    /usr/bin/python3 convert.py

The files look like YAML but repeat keys, so they are read line by line, in order, as
upstream's own runner reads them (see README.md and NOTES.md):
  - record lines (spf, exp, a, aaaa, mx, ptr) change the zone; spf/exp set the name's one
    TXT record, the others add records; mx lists addresses, for which exchanges
    "mx.<ip>.<position>" with preference position+1 are made, each with that address;
  - domain (the HELO name), sender and ip set the current values, which carry over;
  - each expect line is one case: "<result> [<explanation>]" with the current values.
A new scenario starts at each "---" and whenever the zone changes between cases.
"""
import glob
import ipaddress
import json


def parse(path):
    scenarios, zone, title = [], {}, ''
    state = {'domain': '', 'sender': '', 'ip': ''}
    current = None

    def flush():
        nonlocal current
        if current and current['tests']:
            scenarios.append(current)
        current = None

    def zone_list():
        out = []
        for (name, rtype), values in sorted(zone.items()):
            for v in values:
                out.append([name, rtype, v])
        return out

    def set_record(name, rtype, value, replace):
        nonlocal current
        flush()
        key = (name.lower().rstrip('.'), rtype)
        if replace:
            zone[key] = [value]
        else:
            zone.setdefault(key, []).append(value)

    for raw in open(path, encoding='utf-8'):
        line = raw.rstrip('\n')
        stripped = line.strip()
        if stripped.startswith('- '):
            stripped = stripped[2:].strip()
        if not stripped or stripped.startswith('#'):
            continue
        if stripped == '---':
            flush()
            zone, title = {}, ''
            state = {'domain': '', 'sender': '', 'ip': ''}
            continue
        key, _, value = stripped.partition(':')
        value = value.strip()
        if key == 'name':
            title = value
        elif key in ('records', 'tests'):
            continue
        elif key in ('spf', 'exp'):
            name, _, text = value.partition(' ')
            set_record(name, 'TXT', [text], True)
        elif key in ('a', 'aaaa'):
            name, _, addrs = value.partition(' ')
            for a in addrs.split(','):
                set_record(name, key.upper(), a.strip(), False)
        elif key == 'mx':
            name, _, addrs = value.partition(' ')
            for pos, a in enumerate(x.strip() for x in addrs.split(',')):
                host = 'mx.%s.%d' % (a, pos)
                set_record(name, 'MX', [pos + 1, host], False)
                rtype = 'AAAA' if ':' in a else 'A'
                set_record(host, rtype, a, False)
        elif key == 'ptr':
            addr, _, names = value.partition(' ')
            rev = ipaddress.ip_address(addr).reverse_pointer
            for n in names.split(','):
                set_record(rev, 'PTR', n.strip().rstrip('.'), False)
        elif key in ('domain', 'sender', 'ip'):
            state[key] = value
        elif key == 'expect':
            result, _, explanation = value.partition(' ')
            if current is None:
                current = {'description': title or path, 'zone': zone_list(), 'tests': []}
            case = {'name': '%s #%d' % (title, len(current['tests']) + 1), 'helo': state['domain'],
                    'host': state['ip'], 'mailfrom': state['sender'], 'results': [result]}
            if explanation.strip():
                case['explanation'] = explanation.strip()
            current['tests'].append(case)
        else:
            raise SystemExit('%s: unknown line %r' % (path, line))
    flush()
    return scenarios


if __name__ == '__main__':
    scenarios = []
    for path in sorted(glob.glob('spf/*.yml')):
        scenarios += parse(path)
    out = {
        'suite': 'mail-auth SPF suite (spf/*.yml)',
        'conventions': 'plain',
        'receiver': 'localdomain.org',
        'default_explanation': None,
        'identities': 'helo_then_mailfrom',
        'timeout_prefixes': [],
        'timeout_substrings': ['_dns_error'],
        # Upstream applies no void-lookup limit (its "DNS Lookup Limits" case needs ten void
        # lookups): spf_void_lookup_limit as such a receiver would set it.
        'void_lookup_limit': 1000,
        'scenarios': scenarios,
    }
    with open('mail-auth-spf.json', 'w') as f:
        json.dump(out, f, indent=1, ensure_ascii=True)
        f.write('\n')
    print(sum(len(s['tests']) for s in scenarios), 'cases')
