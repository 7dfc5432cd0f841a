#!/usr/bin/env python3
"""Self-test of the reggie/resty/net-http behaviour emulated by conformance.py.

Runs without a registry: stub HTTP servers on 127.0.0.1 (ports picked from
5300-5399) check the wire behaviour the port relies on -- 401 challenge
handling (Basic and Bearer), Go-style redirects, Content-Length handling,
query encoding -- plus the Go-compatible JSON helpers.  Exit status 0 = ok.
"""

import base64
import http.server
import json
import os
import random
import socket
import sys
import threading
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conformance as c  # noqa: E402


def free_port():
    for p in random.sample(range(5300, 5400), 100):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
                return p
            except OSError:
                continue
    raise RuntimeError("no free port in 5300-5399")


class Recorder(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes = None  # set per server: callable(handler) -> (status, headers, body)
    seen = None

    def _handle(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        self.seen.append({"method": self.command, "path": self.path, "headers": dict(self.headers.items()),
                          "body": body})
        status, headers, out = self.routes(self, body)
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = _handle

    def log_message(self, *a):
        pass


def serve(routes):
    seen = []
    handler = type("H", (Recorder,), {"routes": staticmethod(routes), "seen": seen})
    port = free_port()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, port, seen


_clients = []


def client(port, user="u", password="p"):
    cl = c.Client("http://127.0.0.1:%d/" % port, "ns/repo", user, password, "", c.DebugWriter(False), 10)
    _clients.append(cl)
    return cl


class ClientTest(unittest.TestCase):
    def tearDown(self):
        while _clients:
            _clients.pop().close()
        for srv in getattr(self, "servers", []):
            srv.shutdown()
            srv.server_close()

    def start(self, routes):
        srv, port, seen = serve(routes)
        self.servers = getattr(self, "servers", []) + [srv]
        return port, seen

    def test_basic_challenge_retries_with_body(self):
        expected = "Basic " + base64.b64encode(b"u:p").decode()

        def routes(h, body):
            if h.headers.get("Authorization") != expected:
                return 401, [("WWW-Authenticate", 'Basic realm="r"')], b'{"errors":[{"code":"UNAUTHORIZED"}]}'
            return 201, [("Location", "/v2/ns/repo/blobs/x")], b""

        port, seen = self.start(routes)
        cl = client(port)
        req = cl.new_request("PUT", "/v2/<name>/blobs/uploads/abc?_state=s").set_query_param("digest", "sha256:ab") \
            .set_header("Content-Type", "application/octet-stream").set_header("Content-Length", "999") \
            .set_body(b"hello")
        resp, err = cl.do(req)
        self.assertIsNone(err)
        self.assertEqual(resp.status_code(), 201)
        self.assertEqual(len(seen), 2)
        self.assertNotIn("Authorization", seen[0]["headers"])
        for s in seen:  # explicit Content-Length ignored, body re-sent on retry
            self.assertEqual(s["headers"]["Content-Length"], "5")
            self.assertEqual(s["body"], b"hello")
            self.assertEqual(s["path"], "/v2/ns/repo/blobs/uploads/abc?_state=s&digest=sha256%3Aab")
            self.assertEqual(s["headers"]["User-Agent"], "distribution-spec-conformance-tests")
            self.assertNotIn("Accept-Encoding", s["headers"])
        self.assertEqual(resp.get_relative_location(), "/v2/ns/repo/blobs/x")

    def test_bearer_challenge(self):
        tport = free_port()
        expected_basic = "Basic " + base64.b64encode(b"u:p").decode()

        def token_routes(h, body):
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(h.path).query)
            ok = (h.headers.get("Authorization") == expected_basic and q.get("service") == ["svc"]
                  and q.get("scope") == ["repository:ns/repo:pull,push"])
            return (200, [("Content-Type", "application/json")], b'{"access_token":"tok"}') if ok else (401, [], b"")

        def routes(h, body):
            if h.headers.get("Authorization") != "Bearer tok":
                return 401, [("Www-Authenticate", 'Bearer realm="http://127.0.0.1:%d/token",service="svc",'
                                                  'scope="repository:ns/repo:pull,push"' % tport)], b""
            return 202, [("Location", "http://127.0.0.1/v2/ns/repo/blobs/uploads/u1?_state=a%2Fb")], b""

        srv, port2, tseen = None, None, None
        # token server must listen on tport exactly
        handler = type("T", (Recorder,), {"routes": staticmethod(token_routes), "seen": []})
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", tport), handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        self.servers = [srv]
        port, seen = self.start(routes)
        cl = client(port)
        resp, err = cl.do(cl.new_request("POST", "/v2/<name>/blobs/uploads/"))
        self.assertIsNone(err)
        self.assertEqual(resp.status_code(), 202)
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[0]["headers"].get("Content-Length"), "0")
        self.assertEqual(resp.get_relative_location(), "/v2/ns/repo/blobs/uploads/u1?_state=a%2Fb")

    def test_redirects(self):
        other_port = free_port()

        def other(h, body):
            return 200, [], b"AUTH=%s BODY=%s" % ((h.headers.get("Authorization") or "-").encode(), body)

        handler = type("O", (Recorder,), {"routes": staticmethod(other), "seen": []})
        osrv = http.server.ThreadingHTTPServer(("127.0.0.1", other_port), handler)
        threading.Thread(target=osrv.serve_forever, daemon=True).start()
        self.servers = [osrv]

        def routes(h, body):
            if h.path.startswith("/v2/ns/repo/blobs/"):  # cross-host redirect (localhost != 127.0.0.1)
                return 307, [("Location", "http://localhost:%d/data" % other_port)], b""
            if h.path == "/v2/ns/repo/post303":
                return 303, [("Location", "/v2/ns/repo/landing")], b""
            if h.path == "/v2/ns/repo/put307":
                return 307, [("Location", "/v2/ns/repo/landing")], b""
            if h.path == "/v2/ns/repo/loop":
                return 302, [("Location", "/v2/ns/repo/loop")], b""
            return 200, [], b"%s %s" % (h.command.encode(), body)

        port, seen = self.start(routes)
        cl = client(port)
        req = cl.new_request("GET", "/v2/<name>/blobs/<digest>", digest="sha256:aa").set_basic_auth("u", "p")
        resp, err = cl.do(req)
        self.assertIsNone(err)
        self.assertEqual(resp.string(), "AUTH=- BODY=")  # Authorization dropped cross-host
        resp, err = cl.do(cl.new_request("POST", "/v2/<name>/post303").set_body(b"x"))
        self.assertEqual(resp.string(), "GET")  # 303: POST becomes a bodiless GET
        resp, err = cl.do(cl.new_request("PUT", "/v2/<name>/put307").set_body(b"abc"))
        self.assertEqual(resp.string(), "PUT abc")  # 307 keeps method and body
        resp, err = cl.do(cl.new_request("HEAD", "/v2/<name>/blobs/<digest>", digest="sha256:aa"))
        self.assertEqual(resp.status_code(), 200)
        resp, err = cl.do(cl.new_request("GET", "/v2/<name>/loop"))
        self.assertIsNotNone(err)  # resty.FlexibleRedirectPolicy(20)

    def test_invalid_request(self):
        cl = client(1)
        resp, err = cl.do(cl.new_request("GET", "/v2/<name>/manifests/<reference>"))
        self.assertIsNone(resp)
        self.assertEqual(str(err), "request is invalid")

    def test_get_drops_body_and_sets_accept(self):
        port, seen = self.start(lambda h, b: (404, [], b""))
        cl = client(port)
        cl.do(cl.new_request("GET", "/v2/<name>/manifests/x").set_header("Content-Type", c.MT_MANIFEST)
              .set_body(b"blablabla"))
        self.assertEqual(seen[0]["body"], b"")
        self.assertNotIn("Content-Length", seen[0]["headers"])
        self.assertEqual(seen[0]["headers"]["Accept"], c.MT_MANIFEST)
        cl.do(cl.new_request("DELETE", "/v2/<name>/blobs/x"))
        self.assertNotIn("Content-Length", seen[1]["headers"])


class GoJSONTest(unittest.TestCase):
    def test_decode_index(self):
        v, err = c.go_unmarshal(b'{"Manifests":[{"digest":"sha256:a","size":3,"annotations":{"k":"v"}}]}',
                                c.INDEX_SCHEMA)
        self.assertIsNone(err)
        self.assertEqual(v["manifests"][0]["annotations"], {"k": "v"})
        for bad in (b'{"manifests":[{"size":1.5}]}', b'{"manifests":{}}', b'{"manifests":[{"annotations":{"k":1}}]}',
                    b'[]', b'', b'{"manifests":[{"data":"!!"}]}', b'{"manifests":[{"size":NaN}]}'):
            self.assertIsNotNone(c.go_unmarshal(bad, c.INDEX_SCHEMA)[1], bad)

    def test_tag_list_and_errors(self):
        self.assertEqual(c.go_unmarshal(b"null", c.TAG_LIST_SCHEMA), (None, None))
        r = c.Response(400, "", [], b' {"errors":[{"code":"UNSUPPORTED","detail":{"a":1}}]} ', None)
        errs, err = r.errors()
        self.assertIsNone(err)
        self.assertEqual(errs[0]["code"], "UNSUPPORTED")
        self.assertIsNotNone(c.Response(400, "", [], b'{"errors":[]}', None).errors()[1])
        self.assertIsNotNone(c.Response(400, "", [], b'not json', None).errors()[1])

    def test_marshal_and_constants(self):
        self.assertEqual(c.go_json_marshal_indent({"a": [], "b": {"c": "<&>"}}),
                         b'{\n\t"a": [],\n\t"b": {\n\t\t"c": "\\u003c\\u0026\\u003e"\n\t}\n}')
        self.assertEqual(c.ERROR_CODES[c.UNSUPPORTED], "UNSUPPORTED")
        self.assertEqual(len(c.ERROR_CODES), 20)
        self.assertEqual(c.NUM_WORKFLOWS, 16)
        self.assertEqual(c.go_parse_bool("True"), (True, True))
        self.assertEqual(c.go_parse_bool("yes"), (False, False))

    def test_spec_count(self):
        cfg = c.Config({})
        rt = c.Runtime(cfg, c.TestData(cfg, 1), client(1), c.DebugWriter(False))
        suite = c.build_suite(rt)
        per = {}
        for s in suite.specs:
            per[s.workflow] = per.get(s.workflow, 0) + 1
        self.assertEqual(per, {"Pull": 24, "Push": 29, "Content Discovery": 16, "Content Management": 10})


if __name__ == "__main__":
    unittest.main(verbosity=1)
