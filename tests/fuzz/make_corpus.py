#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz/corpus/<target>/ (checked in).

The seeds are the well-formed inputs the unit tests use (packets as
tests/lighting builds them, messages from tests/net and docs/protocol.md, the
shipped config and show) plus a few near misses, so libFuzzer starts from
inputs that reach deep into each parser. Re-run after changing a format:
    tests/fuzz/make_corpus.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- Art-Net (Art-Net 4: ID, little-endian OpCode, big-endian version) ----
ART_ID = b"Art-Net\x00"


def artdmx(port_address, seq, data):
    length = len(data) + (len(data) & 1)
    return (ART_ID + struct.pack("<H", 0x5000) + struct.pack(">H", 14) + bytes([seq, 0]) +
            struct.pack("<H", port_address) + struct.pack(">H", length) + data + b"\x00" * (length - len(data)))


def artpoll(flags=0x06, diag=0x10):
    return ART_ID + struct.pack("<H", 0x2000) + struct.pack(">H", 14) + bytes([flags, diag]) + b"\x00" * 10


def artpollreply():
    p = bytearray(239)
    p[0:8] = ART_ID
    p[8:10] = struct.pack("<H", 0x2100)
    p[10:14] = bytes([192, 168, 1, 20])
    p[14:16] = struct.pack("<H", 6454)
    p[18] = 0  # NetSwitch
    p[19] = 1  # SubSwitch
    p[26:44] = b"node-a".ljust(18, b"\x00")
    p[44:108] = b"a test Art-Net node".ljust(64, b"\x00")
    p[172:174] = struct.pack(">H", 4)  # NumPorts
    p[174:178] = bytes([0x80, 0x80, 0x80, 0x80])
    p[190:194] = bytes([0, 1, 2, 3])  # SwOut
    p[200] = 0x00  # style
    return bytes(p)


write("fuzz_artnet", "artdmx_full", artdmx(0x0001, 1, bytes(range(256)) * 2))
write("fuzz_artnet", "artdmx_odd", artdmx(0x7FFF, 255, b"\x10\x20\x30"))
write("fuzz_artnet", "artdmx_short_length", artdmx(3, 7, b"\xff" * 512)[:100])
write("fuzz_artnet", "artpoll", artpoll())
write("fuzz_artnet", "artpoll_min", artpoll()[:12])
write("fuzz_artnet", "artpollreply", artpollreply())
write("fuzz_artnet", "artpollreply_min", artpollreply()[:198])
write("fuzz_artnet", "artsync", ART_ID + struct.pack("<H", 0x5200) + struct.pack(">H", 14) + b"\x00\x00")

# ---- sACN (E1.31) ----
ACN_ID = b"ASC-E1.17\x00\x00\x00"
CID = bytes(range(16))


def flags_len(n):
    return struct.pack(">H", 0x7000 | n)


def sacn_data(universe, slots, priority=100, sync=0, seq=1, options=0):
    count = len(slots) + 1
    dmp = flags_len(10 + count) + bytes([0x02, 0xA1]) + struct.pack(">HHH", 0, 1, count) + b"\x00" + slots
    framing_body = struct.pack(">I", 0x00000004) + b"luminad".ljust(64, b"\x00") + bytes([priority]) + \
        struct.pack(">H", sync) + bytes([seq, options]) + struct.pack(">H", universe)
    framing = flags_len(2 + len(framing_body) + len(dmp)) + framing_body + dmp
    root_body = struct.pack(">I", 0x00000004) + CID
    root = flags_len(2 + len(root_body) + len(framing)) + root_body + framing
    return struct.pack(">HH", 0x0010, 0x0000) + ACN_ID + root


def sacn_sync(sync_address, seq=1):
    framing_body = struct.pack(">I", 0x00000001) + bytes([seq]) + struct.pack(">H", sync_address) + b"\x00\x00"
    framing = flags_len(2 + len(framing_body)) + framing_body
    root_body = struct.pack(">I", 0x00000008) + CID
    root = flags_len(2 + len(root_body) + len(framing)) + root_body + framing
    return struct.pack(">HH", 0x0010, 0x0000) + ACN_ID + root


write("fuzz_sacn", "data_full", sacn_data(1, bytes(range(256)) * 2))
write("fuzz_sacn", "data_short", sacn_data(63999, b"\x01\x02\x03", priority=200, sync=7))
write("fuzz_sacn", "data_start_only", sacn_data(2, b""))
write("fuzz_sacn", "sync", sacn_sync(7))
write("fuzz_sacn", "cid", "01234567-89ab-cdef-0123-456789ABCDEF")

# ---- config ----
with open(os.path.join(ROOT, "config", "luminad.json"), "rb") as f:
    write("fuzz_config", "shipped", f.read())
write("fuzz_config", "empty_object", "{}")
write("fuzz_config", "server_only", json.dumps({"server": {"port": 8080, "listen": "0.0.0.0", "token": "abc"}}))
write("fuzz_config", "dmx_sacn", json.dumps({"dmx": {"fps": 44, "targets": ["10.0.0.2:6454", "10.0.0.3"],
                                                     "sacn": {"enabled": True, "priority": 150,
                                                              "syncUniverse": 9, "multicastTtl": 4}}}))
write("fuzz_config", "wrong_type", '{"audio": {"sampleRate": "fast"}}')
write("fuzz_config", "truncated", '{"dsp": {"fftSize": 2048, "hop": ')

# ---- show documents ----
with open(os.path.join(ROOT, "config", "show.json"), "rb") as f:
    show_text = f.read()
write("fuzz_show", "shipped", show_text)
write("fuzz_show", "empty_object", "{}")
show = json.loads(show_text)
if isinstance(show.get("scenes"), list) and show["scenes"]:
    small = dict(show)
    small["scenes"] = show["scenes"][:1]
    small.pop("idle", None)
    small.pop("labels", None)
    small["startScene"] = small["scenes"][0].get("name", "")
    write("fuzz_show", "one_scene", json.dumps(small))

# ---- WebSocket control messages (one session, '\n' between messages) ----
ws = [
    '{"type":"subscribe","payload":{"streams":["audio_meter","dsp_event","engine_status"]},"reqId":"s1"}',
    '{"type":"unsubscribe","payload":{"streams":["audio_meter"]},"reqId":2}',
    '{"type":"auth","payload":{"token":"secret"},"reqId":"a"}\n{"type":"echo","payload":{"x":[1,2,{"y":null}]}}',
    '{"type":"auth","payload":{"token":"wrong"}}',
    '[{"ch":1,"val":255},{"ch":512,"val":0,"u":3}]',
    '{"ch":7,"val":127.6,"u":32767}',
    '{"type":"scene_select","payload":{"scene":"Ambient"},"reqId":{"n":[1,{"x":null}]}}',
    '{"type":"boom","payload":{}}',
    '{"type":"zzz"}',
    '{bad',
    '{"type":"subscribe","payload":3}',
    '{"type":"echo","payload":{"s":"\xc3\x28 invalid utf-8"}}',
    '[' * 70 + ']' * 70,
]
for i, text in enumerate(ws):
    write("fuzz_ws_message", f"msg{i:02d}", text.encode("latin-1") if "\xc3" in text else text)

# ---- multipart bodies (first byte: chunk size - 1) ----
def part(name, filename, ctype, body):
    head = f'--lumina-fuzz\r\nContent-Disposition: form-data; name="{name}"'
    if filename is not None:
        head += f'; filename="{filename}"'
    head += f"\r\nContent-Type: {ctype}\r\n\r\n"
    return head.encode() + body + b"\r\n"


one = part("file", "a.wav", "audio/wav", b"RIFF....WAVEfmt " + bytes(range(64))) + b"--lumina-fuzz--\r\n"
two = (b"preamble\r\n" + part("title", None, "text/plain", b"My song") +
       part("file", "b c.mp3", "audio/mpeg", b"\r\n--lumina-fuz" + b"\xff" * 40) + b"--lumina-fuzz--\r\nepilogue")
write("fuzz_multipart", "one_file_chunk1", b"\x00" + one)
write("fuzz_multipart", "one_file_chunk7", b"\x06" + one)
write("fuzz_multipart", "two_parts_chunk256", b"\xff" + two)
write("fuzz_multipart", "utf8_filename", b"\x10" + part("file", "x", "audio/wav", b"abc").replace(
    b'filename="x"', b"filename*=UTF-8''%C3%A9t%C3%A9.wav") + b"--lumina-fuzz--")
write("fuzz_multipart", "content_type", b"\x00multipart/form-data; boundary=lumina-fuzz")
write("fuzz_multipart", "truncated", b"\x03" + one[:60])

# ---- regressions: inputs that once found bugs ----
# json::parse throws out_of_range (not parse_error) for numbers beyond double.
write("fuzz_ws_message", "number_overflow", '{"type":"subscribe","payload":{"streams":[],"x":1e400},"reqId":1}')
write("fuzz_config", "number_overflow", '{"dmx":{"fps":1e400}}')
write("fuzz_show", "number_overflow", '{"name":"x","scenes":[{"name":"a","level":1e400}]}')
