#!/usr/bin/python3
"""Converts rfc7208-tests.yml (openspf YAML, unchanged from upstream) into
rfc7208-tests.json, the form tests/unit/spf/suite_test.cpp reads (the unit tests have a
JSON parser, not a YAML one). Run from this directory after updating the YAML:

    /usr/bin/python3 convert.py

Nothing is decided here: every zone entry and case is written out as the YAML has it
(TXT/SPF values as lists of strings, "TXT: NONE" and "TIMEOUT" kept as markers). The
driver conventions of the suite (SPF RRs served as TXT where a name lists no TXT,
TIMEOUT entries, the "DEFAULT" explanation) are applied by the C++ driver and described
in NOTES.md. Byte values 0x80-0xff in the YAML are written as \\u0080-\\u00ff; the
driver turns them back into single bytes.
"""
import json
import yaml


def strings(v):
    if isinstance(v, list):
        return [str(s) for s in v]
    return [str(v)]


def check_bytes(s):
    assert all(ord(c) < 256 for c in s), s
    return s


def convert(path):
    with open(path, 'rb') as f:
        docs = list(yaml.safe_load_all(f))
    scenarios = []
    for doc in docs:
        zone = []
        for name, entries in (doc.get('zonedata') or {}).items():
            for e in entries:
                if e == 'TIMEOUT':
                    zone.append([check_bytes(name), 'TIMEOUT'])
                    continue
                (rtype, value), = e.items()
                if rtype in ('TXT', 'SPF'):
                    if value == 'NONE':
                        zone.append([name, rtype + '_NONE'])
                    else:
                        zone.append([name, rtype, [check_bytes(s) for s in strings(value)]])
                elif rtype == 'MX':
                    zone.append([name, 'MX', [int(value[0]), str(value[1])]])
                else:
                    zone.append([name, rtype, str(value)])
        tests = []
        for tname, t in doc['tests'].items():
            results = t['result'] if isinstance(t['result'], list) else [t['result']]
            case = {'name': tname, 'helo': check_bytes(str(t['helo'])), 'host': str(t['host']),
                    'mailfrom': check_bytes(str(t['mailfrom'])), 'results': results}
            if 'explanation' in t:
                case['explanation'] = str(t['explanation'])
            tests.append(case)
        scenarios.append({'description': doc['description'], 'zone': zone, 'tests': tests})
    return scenarios


if __name__ == '__main__':
    out = {
        'suite': 'openspf RFC 7208 test suite (rfc7208-tests.yml)',
        'conventions': 'openspf',
        'receiver': '',
        'default_explanation': 'DEFAULT',
        'identities': 'mailfrom',
        'timeout_prefixes': ['error.'],
        'timeout_substrings': [],
        'scenarios': convert('rfc7208-tests.yml'),
    }
    with open('rfc7208-tests.json', 'w') as f:
        json.dump(out, f, indent=1, ensure_ascii=True)
        f.write('\n')
    print(sum(len(s['tests']) for s in out['scenarios']), 'cases')
