#!/usr/bin/env python3
"""Python (stdlib-only) port of the OCI distribution-spec conformance suite v1.1.1.

Upstream: github.com/opencontainers/distribution-spec, folder conformance/
(Go, ginkgo v2 + gomega + bloodorangeio/reggie v0.6.1 on go-resty/resty v2).
See README.md in this directory for the exact upstream file versions ported,
the spec-by-spec mapping table and every place where this port differs.

Configuration is read from the same environment variables as the Go suite
(OCI_ROOT_URL, OCI_NAMESPACE, OCI_TEST_PULL, ...).  Exit status is 1 when at
least one spec failed, 0 otherwise (also when everything was skipped).
"""

import argparse
import base64
import datetime
import hashlib
import http.client
import json
import os
import random
import re
import secrets
import socket
import ssl
import sys
import time
import traceback
import urllib.parse
import uuid
from xml.sax.saxutils import escape as xml_escape, quoteattr

# ---------------------------------------------------------------------------
# Constants (setup.go)
# ---------------------------------------------------------------------------

PULL = 1 << 0
PUSH = 1 << 1
CONTENT_DISCOVERY = 1 << 2
CONTENT_MANAGEMENT = 1 << 3
# In setup.go `numWorkflows` is the next `1 << iota` in the same const block,
# i.e. 16: the suite really builds 16 configs and 16 manifests.
NUM_WORKFLOWS = 1 << 4

# The error-code constants continue the same iota (BLOB_UNKNOWN == 5), so the
# Go slice `errorCodes` has five empty strings at indexes 0..4.  Kept as is:
# ContainElement(errorCodes, code) therefore also accepts an empty code.
_ERROR_CODE_NAMES = [
    "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
    "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "MANIFEST_UNVERIFIED",
    "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "TAG_INVALID", "UNAUTHORIZED",
    "DENIED", "UNSUPPORTED",
]
ERROR_CODES = [""] * 5 + _ERROR_CODE_NAMES
UNSUPPORTED = 5 + _ERROR_CODE_NAMES.index("UNSUPPORTED")

ENV_ROOT_URL = "OCI_ROOT_URL"
ENV_NAMESPACE = "OCI_NAMESPACE"
ENV_USERNAME = "OCI_USERNAME"
ENV_PASSWORD = "OCI_PASSWORD"
ENV_DEBUG = "OCI_DEBUG"
ENV_PULL = "OCI_TEST_PULL"
ENV_PUSH = "OCI_TEST_PUSH"
ENV_CONTENT_DISCOVERY = "OCI_TEST_CONTENT_DISCOVERY"
ENV_CONTENT_MANAGEMENT = "OCI_TEST_CONTENT_MANAGEMENT"
ENV_PUSH_EMPTY_LAYER = "OCI_SKIP_EMPTY_LAYER_PUSH_TEST"
ENV_BLOB_DIGEST = "OCI_BLOB_DIGEST"
ENV_MANIFEST_DIGEST = "OCI_MANIFEST_DIGEST"
ENV_TAG_NAME = "OCI_TAG_NAME"
ENV_TAG_LIST = "OCI_TAG_LIST"
ENV_HIDE_SKIPPED_WORKFLOWS = "OCI_HIDE_SKIPPED_WORKFLOWS"
ENV_AUTH_SCOPE = "OCI_AUTH_SCOPE"
ENV_DELETE_MANIFEST_BEFORE_BLOBS = "OCI_DELETE_MANIFEST_BEFORE_BLOBS"
ENV_CROSSMOUNT_NAMESPACE = "OCI_CROSSMOUNT_NAMESPACE"
ENV_AUTOMATIC_CROSSMOUNT = "OCI_AUTOMATIC_CROSSMOUNT"
ENV_REPORT_DIR = "OCI_REPORT_DIR"
# Port-only knobs (not read by the Go suite).
ENV_SEED = "OCI_CONFORMANCE_SEED"
ENV_HTTP_TIMEOUT = "OCI_CONFORMANCE_HTTP_TIMEOUT"

EMPTY_LAYER_TEST_TAG = "emptylayer"
TEST_TAG_NAME = "tagtest0"

TITLE_PULL = "Pull"
TITLE_PUSH = "Push"
TITLE_CONTENT_DISCOVERY = "Content Discovery"
TITLE_CONTENT_MANAGEMENT = "Content Management"
SUITE_DESCRIPTION = "OCI Distribution Conformance Tests"

# echo 'you bothered to find out what was in here. Congratulations!' > test.txt
# tar czvf test.tar.gz test.txt ; base64 test.tar.gz
LAYER_BASE64 = (
    "H4sIAAAAAAAAA+3OQQrCMBCF4a49xXgBSUnaHMCTRBptQRNpp6i3t0UEV7oqIv7fYgbmzeJpHHSjVy0"
    "WZCa1c/MufWVe94N3RWlrZ72x3k/30nhbFWKWLPU0Dhp6keJ8im//PuU/6pZH2WVtYx8b0Sz7LjWSR5VLG6YRBumSzOlGtjkd+qD"
    "jMWiX07Befbs7AAAAAAAAAAAAAAAAAPyzO34MnqoAKAAA"
)

ARTIFACT_TYPE_FILTER = "artifactType"

MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER_TGZ = "application/vnd.oci.image.layer.v1.tar+gzip"
MT_EMPTY = "application/vnd.oci.empty.v1+json"
OCTET = "application/octet-stream"

USER_AGENT = "distribution-spec-conformance-tests"

# ---------------------------------------------------------------------------
# Go compatibility helpers
# ---------------------------------------------------------------------------


def go_parse_bool(value):
    """strconv.ParseBool; returns (bool, ok)."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True, True
    if value in ("0", "f", "F", "FALSE", "false", "False"):
        return False, True
    return False, False


def go_atoi(s):
    """strconv.Atoi: optional sign and decimal digits only."""
    if not re.fullmatch(r"[+-]?[0-9]+", s or ""):
        raise ValueError('strconv.Atoi: parsing %r: invalid syntax' % s)
    return int(s, 10)


def go_index(seq, i):
    """Go slice indexing: negative or too large indexes panic."""
    if i < 0 or i >= len(seq):
        raise IndexError("runtime error: index out of range [%d] with length %d" % (i, len(seq)))
    return seq[i]


def sha256_digest(data):
    if isinstance(data, str):
        data = data.encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def go_json_marshal_indent(obj):
    """json.MarshalIndent(v, "", "\\t") for the ordered dicts built below."""
    text = json.dumps(obj, indent="\t", separators=(",", ": "), ensure_ascii=False)
    # encoding/json escapes these even inside MarshalIndent output.
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text.encode("utf-8")


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def descriptor(media_type, digest, size, annotations=None, data=None,
               artifact_type=None, new_unspecified_field=None):
    """conformance/image.go `descriptor`, fields in struct order.

    `newUnspecifiedField` has no omitempty, so it is `null` unless set."""
    d = {"mediaType": media_type, "digest": digest, "size": size}
    if annotations:
        d["annotations"] = dict(sorted(annotations.items()))
    if data:
        d["data"] = _b64(data)
    if artifact_type:
        d["artifactType"] = artifact_type
    d["newUnspecifiedField"] = None if new_unspecified_field is None else _b64(new_unspecified_field)
    return d


def manifest_obj(config, layers, media_type=None, artifact_type=None, subject=None, annotations=None):
    """conformance/image.go `manifest`, fields in struct order."""
    m = {"schemaVersion": 2}
    if media_type:
        m["mediaType"] = media_type
    if artifact_type:
        m["artifactType"] = artifact_type
    m["config"] = config
    m["layers"] = layers
    if subject is not None:
        m["subject"] = subject
    if annotations:
        m["annotations"] = dict(sorted(annotations.items()))
    return m


def index_obj(manifests, media_type=None, artifact_type=None, subject=None, annotations=None):
    """conformance/image.go `index`, fields in struct order."""
    m = {"schemaVersion": 2}
    if media_type:
        m["mediaType"] = media_type
    if artifact_type:
        m["artifactType"] = artifact_type
    m["manifests"] = manifests
    if subject is not None:
        m["subject"] = subject
    if annotations:
        m["annotations"] = dict(sorted(annotations.items()))
    return m


# --- encoding/json Unmarshal into the suite's Go types ----------------------


class GoJSONError(ValueError):
    pass


def _reject_constant(name):
    raise GoJSONError("invalid character %r looking for beginning of value" % name[0])


def go_json_loads(data):
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data).decode("utf-8", "replace")
    if data.strip() == "":
        raise GoJSONError("unexpected end of JSON input")
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except GoJSONError:
        raise
    except ValueError as e:
        raise GoJSONError(str(e)) from None


def _go_type_name(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "null"


def go_decode(schema, value, where="value"):
    """Decode a parsed JSON value the way encoding/json fills a Go value.

    schema: "string" | "int" | "bytes" | "any" | ("list", s) | ("map_string",)
            | ("struct", [(json_name, s), ...])
    JSON null leaves the zero value.  Type mismatches raise GoJSONError."""
    if value is None:
        if schema == "string":
            return ""
        if schema == "int":
            return 0
        if schema in ("bytes", "any"):
            return None
        if schema[0] == "list":
            return []
        if schema[0] == "map_string":
            return {}
        return None  # struct / pointer
    if schema == "any":
        return value
    if schema == "string":
        if not isinstance(value, str):
            raise GoJSONError("json: cannot unmarshal %s into Go %s of type string" % (_go_type_name(value), where))
        return value
    if schema == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not (-(1 << 63) <= value < (1 << 63)):
            raise GoJSONError("json: cannot unmarshal %s into Go %s of type int64" % (_go_type_name(value), where))
        return value
    if schema == "bytes":
        if not isinstance(value, str):
            raise GoJSONError("json: cannot unmarshal %s into Go %s of type []uint8" % (_go_type_name(value), where))
        try:
            return base64.b64decode(value.replace("\r", "").replace("\n", ""), validate=True)
        except ValueError as e:
            raise GoJSONError("illegal base64 data in %s: %s" % (where, e)) from None
    kind = schema[0]
    if kind == "list":
        if not isinstance(value, list):
            raise GoJSONError("json: cannot unmarshal %s into Go %s of type slice" % (_go_type_name(value), where))
        return [go_decode(schema[1], v, where) for v in value]
    if kind == "map_string":
        if not isinstance(value, dict):
            raise GoJSONError("json: cannot unmarshal %s into Go %s of type map[string]string" % (_go_type_name(value), where))
        return {k: go_decode("string", v, where) for k, v in value.items()}
    if kind == "struct":
        if not isinstance(value, dict):
            raise GoJSONError("json: cannot unmarshal %s into Go %s of type struct" % (_go_type_name(value), where))
        fields = schema[1]
        out = {name: go_decode(s, None) for name, s in fields}
        names = [n for n, _ in fields]
        for key, v in value.items():
            target = key if key in names else next((n for n in names if n.lower() == key.lower()), None)
            if target is None:
                continue  # unknown fields are ignored
            out[target] = go_decode(dict(fields)[target], v, "struct field " + target)
        return out
    raise AssertionError("bad schema %r" % (schema,))


PLATFORM_SCHEMA = ("struct", [("architecture", "string"), ("os", "string"), ("os.version", "string"),
                              ("os.features", ("list", "string")), ("variant", "string")])
DESCRIPTOR_SCHEMA = ("struct", [
    ("mediaType", "string"), ("digest", "string"), ("size", "int"), ("urls", ("list", "string")),
    ("annotations", ("map_string",)), ("data", "bytes"), ("platform", PLATFORM_SCHEMA),
    ("artifactType", "string"), ("newUnspecifiedField", "bytes")])
INDEX_SCHEMA = ("struct", [
    ("schemaVersion", "int"), ("mediaType", "string"), ("artifactType", "string"),
    ("manifests", ("list", DESCRIPTOR_SCHEMA)), ("subject", DESCRIPTOR_SCHEMA),
    ("annotations", ("map_string",))])
TAG_LIST_SCHEMA = ("struct", [("name", "string"), ("tags", ("list", "string"))])
ERROR_RESPONSE_SCHEMA = ("struct", [("errors", ("list", ("struct", [
    ("code", "string"), ("message", "string"), ("detail", "any")])))])


def go_unmarshal(data, schema):
    """json.Unmarshal(data, &v) -> (v, err)."""
    try:
        return go_decode(schema, go_json_loads(data)), None
    except GoJSONError as e:
        return None, e


# ---------------------------------------------------------------------------
# reggie / resty / net/http client port
# ---------------------------------------------------------------------------

_JSON_CT_RE = re.compile(r"(?i:(application|text)/(json|.*\+json|json\-.*)(;|$))")
_REDACT_RE = re.compile(r'(?i)("?\w*(authorization|token|state)\w*"?(:|=)\s*)(")?\s*((bearer|basic)? )?[^\s&"]*(")?')
_SENSITIVE_ON_REDIRECT = ("authorization", "www-authenticate", "cookie", "cookie2")


def redact(text):
    """reporter.go redactRegexp / redactReplace."""
    return _REDACT_RE.sub(lambda m: "%s%s%s*****%s" % (m.group(1), m.group(4) or "", m.group(5) or "", m.group(7) or ""), text)


def _go_escape_path(path):
    # url.Parse + URL.String() on the path reggie builds: characters that
    # validEncoded() accepts (unreserved, sub-delims, ":@[]/") stay literal.
    return urllib.parse.quote(path, safe="/!$&'()*+,;=:@[]-._~")


def _encode_query(params):
    # url.Values.Encode(): sorted by key, QueryEscape for keys and values.
    return "&".join("%s=%s" % (urllib.parse.quote_plus(k, safe=""), urllib.parse.quote_plus(v, safe=""))
                    for k, v in sorted(params.items()))


def _detect_content_type(body):
    # resty DetectContentType -> http.DetectContentType, reduced to what the
    # suite could hit (every upstream body request sets Content-Type anyway).
    try:
        body.decode("utf-8")
        return "text/plain; charset=utf-8"
    except UnicodeDecodeError:
        return OCTET


class Exchange:
    """One HTTP round trip, kept for failure output and the JUnit report."""

    def __init__(self, method, url, req_headers, req_body):
        self.method = method
        self.url = url
        self.req_headers = req_headers
        self.req_body = req_body
        self.status = None
        self.reason = ""
        self.resp_headers = []
        self.resp_body = b""
        self.error = None
        self.elapsed = 0.0

    @staticmethod
    def _body_text(body, limit):
        if body is None or len(body) == 0:
            return "***** NO CONTENT *****"
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = "<%d bytes binary> %r" % (len(body), body[:64])
            return text
        if len(text) > limit:
            text = text[:limit] + "\n... (%d bytes total)" % len(body)
        return text

    def dump(self, limit=2048):
        u = urllib.parse.urlsplit(self.url)
        target = u.path + ("?" + u.query if u.query else "")
        lines = ["~~~ REQUEST ~~~", "%s  %s  HTTP/1.1" % (self.method, target), "HOST   : %s" % u.netloc, "HEADERS:"]
        lines += ["\t%s: %s" % (k, v) for k, v in self.req_headers]
        lines += ["BODY   :", self._body_text(self.req_body, limit),
                  "------------------------------------------------------------------------------",
                  "~~~ RESPONSE ~~~"]
        if self.error is not None:
            lines.append("ERROR        : %s" % self.error)
        else:
            lines += ["STATUS       : %d %s" % (self.status, self.reason),
                      "TIME DURATION: %.3fms" % (self.elapsed * 1000.0), "HEADERS      :"]
            lines += ["\t%s: %s" % (k, v) for k, v in self.resp_headers]
            lines += ["BODY         :", self._body_text(self.resp_body, limit)]
        return redact("\n".join(lines))


class Response:
    """reggie.Response (on resty.Response)."""

    def __init__(self, status, reason, headers, body, exchange):
        self._status = status
        self.reason = reason
        self._headers = headers  # list of (name, value), in wire order
        self._body = body
        self.exchange = exchange

    def status_code(self):
        return self._status

    def header(self, name):
        """http.Header.Get: first value, case-insensitive, "" if absent."""
        lname = name.lower()
        for k, v in self._headers:
            if k.lower() == lname:
                return v
        return ""

    def header_items(self):
        return list(self._headers)

    def body(self):
        return self._body

    def string(self):
        """resty Response.String(): the body, whitespace-trimmed."""
        return self._body.decode("utf-8", "replace").strip()

    def get_relative_location(self):
        loc = self.header("Location")
        try:
            u = urllib.parse.urlsplit(loc)
            if any(ord(c) < 0x20 or ord(c) == 0x7f for c in loc):
                return ""
        except ValueError:
            return ""
        path = urllib.parse.unquote(u.path)
        if u.query:
            path += "?" + u.query
        return path

    def get_absolute_location(self):
        return self.header("Location")

    def is_unauthorized(self):
        return self._status == 401

    def errors(self):
        """reggie Response.Errors() -> (list of {code,message,detail}, err)."""
        v, err = go_unmarshal(self.string(), ERROR_RESPONSE_SCHEMA)
        if err is not None:
            return None, err
        if v is None or len(v["errors"]) == 0:
            return None, GoJSONError("body was valid json but could not be parsed")
        return [e if e is not None else {"code": "", "message": "", "detail": None} for e in v["errors"]], None


class Request:
    """reggie.Request built by Client.new_request (resty.Request underneath)."""

    def __init__(self, client, method, url):
        self.client = client
        self.method = method
        self.url = url
        self.headers = {}  # canonical-ish name -> value (http.Header.Set semantics)
        self.query = {}
        self.body = None
        self.token = None
        self.basic = None

    def _hkey(self, name):
        for k in self.headers:
            if k.lower() == name.lower():
                return k
        return name

    def set_header(self, name, value):
        self.headers.pop(self._hkey(name), None)
        self.headers[name] = value
        return self

    def get_header(self, name):
        return self.headers.get(self._hkey(name), "")

    def set_query_param(self, name, value):
        self.query[name] = value
        return self

    def set_body(self, body):
        self.body = bytes(body)
        return self

    def set_auth_token(self, token):
        self.token = token
        return self

    def set_basic_auth(self, username, password):
        self.basic = (username, password)
        return self


class Client:
    """reggie.Client: reggie v0.6.1 behaviour on resty v2 and net/http.

    * every request is first sent without credentials; on a 401 the
      WWW-Authenticate challenge decides: Bearer -> GET the realm with Basic
      credentials and `service`/`scope` query parameters, then retry once with
      `Authorization: Bearer`; Basic -> retry once with Basic credentials.
      Tokens are not cached (reggie does not cache them either);
    * redirects are followed for every method like Go's http.Client with
      resty.FlexibleRedirectPolicy(20);
    * request bodies are sent with their real Content-Length; an explicit
      Content-Length header set by a spec is ignored, as net/http does;
    * no Accept-Encoding (reggie's transport disables compression).
    """

    def __init__(self, address, default_name, username, password, auth_scope, debug_writer, timeout):
        self.address = address[:-1] if address.endswith("/") else address
        self.default_name = default_name
        self.username = username
        self.password = password
        self.auth_scope = auth_scope
        self.user_agent = USER_AGENT
        self.debug_writer = debug_writer
        self.timeout = timeout
        self._conns = {}
        self._ssl_ctx = ssl.create_default_context()
        self._ssl_ctx.check_hostname = False  # reggie.WithInsecureSkipTLSVerify(true)
        self._ssl_ctx.verify_mode = ssl.CERT_NONE

    # -- reggie.Client.NewRequest ------------------------------------------
    def new_request(self, method, path, name="", reference="", digest="", session_id=""):
        namespace = name if name != "" else self.default_name
        for k, v in (("<name>", namespace), ("<reference>", reference), ("<digest>", digest),
                     ("<session_id>", session_id)):
            if v != "":
                path = path.replace(k, v)
        if path.startswith("/"):
            path = path[1:]
        req = Request(self, method, "%s/%s" % (self.address, path))
        req.set_header("User-Agent", self.user_agent)
        return req

    # -- reggie.Client.Do ----------------------------------------------------
    def do(self, req):
        resp, err = self._execute(req)
        if err is not None:
            return resp, err
        if resp.is_unauthorized():
            resp, err = self._retry_request_with_auth(req, resp)
        return resp, err

    def _retry_request_with_auth(self, req, orig):
        raw = orig.header("Www-Authenticate")
        if raw == "":
            return orig, None
        auth_type = re.sub(r"(?i).*(bearer|basic).*", r"\1", raw)
        if auth_type.lower() == "bearer":
            h = {}
            for k, v in re.findall(r'([a-zA-z]+)="(.+?)"', raw):
                h[k.lower()] = v
            treq = Request(self, "GET", h.get("realm", ""))
            treq.set_query_param("service", h.get("service", ""))
            treq.set_header("Accept", "application/json")
            treq.set_header("User-Agent", self.user_agent)
            treq.set_basic_auth(self.username, self.password)
            if self.auth_scope:
                treq.set_query_param("scope", self.auth_scope)
            elif h.get("scope", ""):
                treq.set_query_param("scope", h["scope"])
            aresp, err = self._execute(treq, validate=False)
            if err is not None:
                return None, err
            info, err = go_unmarshal(aresp.body(), ("struct", [("token", "string"), ("access_token", "string")]))
            if err is not None:
                return None, err
            token = info["token"] or info["access_token"]
            req.set_auth_token(token)
            return self._execute(req)
        if auth_type.lower() == "basic":
            req.set_basic_auth(self.username, self.password)
            return self._execute(req)
        return None, RuntimeError("something went wrong with authorization")

    # -- resty Request.Execute + net/http Client.Do ---------------------------
    def _execute(self, req, validate=True):
        if validate and re.search(r"<name>|<reference>|<digest>|<session_id>|//{2,}", req.url):
            return None, RuntimeError("request is invalid")
        url = req.url
        if req.query:
            base, sep, q = url.partition("?")
            url = base + "?" + (q + "&" if q else "") + _encode_query(req.query)
        method = req.method
        headers = dict(req.headers)
        ct = ""
        for k, v in headers.items():
            if k.lower() == "content-type":
                ct = v
        if ct and _JSON_CT_RE.search(ct) and not any(k.lower() == "accept" for k in headers):
            headers["Accept"] = ct  # resty parseRequestHeader
        payload_ok = method not in ("GET", "HEAD", "OPTIONS")
        body = req.body if payload_ok else None
        if body is not None and not ct:
            headers["Content-Type"] = _detect_content_type(body)
        if req.basic is not None:
            cred = ("%s:%s" % req.basic).encode("utf-8")
            headers["Authorization"] = "Basic " + _b64(cred)
        if req.token:
            headers["Authorization"] = "Bearer " + req.token
        via = []
        referer = None
        while True:
            resp, err = self._round_trip(method, url, headers, body, referer)
            if err is not None:
                return None, err
            status = resp.status_code()
            if status not in (301, 302, 303, 307, 308):
                return resp, None
            loc = resp.header("Location")
            if loc == "":
                return resp, None
            if status in (301, 302, 303):
                if method not in ("GET", "HEAD"):
                    method = "GET"
                body = None
            via.append(url)
            if len(via) >= 20:  # resty.FlexibleRedirectPolicy(20)
                return None, RuntimeError("stopped after 20 redirects")
            new_url = urllib.parse.urljoin(url, loc)
            old_host = urllib.parse.urlsplit(url).hostname or ""
            new_host = urllib.parse.urlsplit(new_url).hostname or ""
            if not (new_host == old_host or new_host.endswith("." + old_host)):
                headers = {k: v for k, v in headers.items() if k.lower() not in _SENSITIVE_ON_REDIRECT}
            if not (url.startswith("https:") and new_url.startswith("http:")):
                referer = url
            url = new_url

    def _connection(self, scheme, netloc, fresh=False):
        key = (scheme, netloc)
        conn = self._conns.get(key)
        if conn is not None and not fresh:
            return conn, True
        if conn is not None:
            conn.close()
        if scheme == "https":
            conn = http.client.HTTPSConnection(netloc, timeout=self.timeout, context=self._ssl_ctx)
        else:
            conn = http.client.HTTPConnection(netloc, timeout=self.timeout)
        self._conns[key] = conn
        return conn, False

    def _round_trip(self, method, url, headers, body, referer):
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https"):
            return None, RuntimeError('unsupported protocol scheme "%s"' % u.scheme)
        target = _go_escape_path(u.path or "/") + ("?" + u.query if u.query else "")
        send_headers = []
        for k, v in headers.items():
            if k.lower() in ("content-length", "host", "transfer-encoding", "trailer"):
                continue  # net/http ignores these in Request.Header
            send_headers.append((k, v))
        if referer:
            send_headers.append(("Referer", referer))
        if body:
            send_headers.append(("Content-Length", str(len(body))))
        elif method in ("POST", "PUT", "PATCH"):
            send_headers.append(("Content-Length", "0"))
        ex = Exchange(method, url, [("Host", u.netloc)] + send_headers, body)
        for attempt in (0, 1):
            conn, reused = self._connection(u.scheme, u.netloc, fresh=attempt > 0)
            start = time.monotonic()
            try:
                conn.putrequest(method, target, skip_accept_encoding=True)
                for k, v in send_headers:
                    conn.putheader(k, v)
                conn.endheaders(body if body else None)
                r = conn.getresponse()
                data = r.read() if method != "HEAD" else b""
                if method == "HEAD":
                    r.read()
                ex.elapsed = time.monotonic() - start
                ex.status, ex.reason = r.status, r.reason
                ex.resp_headers = r.getheaders()
                ex.resp_body = data
                if r.will_close:
                    conn.close()
                    self._conns.pop((u.scheme, u.netloc), None)
                self._log(ex)
                return Response(r.status, r.reason, ex.resp_headers, data, ex), None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest, http.client.ResponseNotReady) as e:
                conn.close()
                self._conns.pop((u.scheme, u.netloc), None)
                if reused and attempt == 0:
                    continue  # idle keep-alive connection closed by the server: retry once
                ex.error = e
                self._log(ex)
                return None, e
            except (OSError, http.client.HTTPException, ValueError) as e:
                conn.close()
                self._conns.pop((u.scheme, u.netloc), None)
                ex.error = e
                self._log(ex)
                return None, e
        raise AssertionError("unreachable")

    def _log(self, ex):
        self.debug_writer.write(ex)

    def close(self):
        for c in self._conns.values():
            c.close()
        self._conns.clear()


class DebugWriter:
    """reporter.go httpDebugWriter: captures every exchange; prints if OCI_DEBUG."""

    def __init__(self, debug):
        self.debug = debug
        self.captured = []

    def write(self, item):
        self.captured.append(item)
        if self.debug:
            text = item.dump() if isinstance(item, Exchange) else str(item)
            print("DEBUG \n" + "=" * 78 + "\n" + text + "\n" + "=" * 78, flush=True)


# ---------------------------------------------------------------------------
# ginkgo / gomega subset
# ---------------------------------------------------------------------------


class SpecFailure(Exception):
    """A failed Expect(): aborts the spec like gomega's Fail handler."""


class SpecSkip(Exception):
    """g.Skip()."""


def _fmt(v):
    if isinstance(v, Response):
        return "<*reggie.Response> %d %s" % (v.status_code(), v.reason)
    if isinstance(v, bytes):
        return "<[]byte> %r" % v[:200]
    return "<%s>: %r" % (type(v).__name__, v)


def fail(message):
    raise SpecFailure(message)


def expect_err_nil(err):
    if err is not None:
        fail("Expected\n    %s\nto be nil" % _fmt("%s: %s" % (type(err).__name__, err)))


def expect_equal(actual, expected, what=""):
    if actual != expected:
        fail("%sExpected\n    %s\nto equal\n    %s" % (what + ": " if what else "", _fmt(actual), _fmt(expected)))


def expect_not_equal(actual, expected, what=""):
    if actual == expected:
        fail("%sExpected\n    %s\nnot to equal\n    %s" % (what + ": " if what else "", _fmt(actual), _fmt(expected)))


def expect_not_empty(actual, what=""):
    if actual is None or len(actual) == 0:
        fail("%sExpected\n    %s\nnot to be empty" % (what + ": " if what else "", _fmt(actual)))


def expect_not_nil(actual, what=""):
    if actual is None:
        fail("%sExpected\n    <nil>\nnot to be nil" % (what + ": " if what else ""))


def expect_true(cond, message):
    if not cond:
        fail(message)


def is_2xx(code):
    return 200 <= code < 300


def expect_status(resp, allowed=(), two_xx=False, what="status code"):
    """Expect(resp.StatusCode()).To(SatisfyAny(Equal(a), Equal(b), [2xx]))."""
    code = resp.status_code()
    if code in allowed or (two_xx and is_2xx(code)):
        return
    parts = (["in [200, 300)"] if two_xx else []) + ["%d" % a for a in allowed]
    fail("%s: Expected\n    <int>: %d\nto satisfy %s" % (what, code, " or ".join(parts)))


def expect_2xx(resp):
    """SatisfyAll(BeNumerically(">=", 200), BeNumerically("<", 300))."""
    expect_status(resp, two_xx=True)


# ---------------------------------------------------------------------------
# Spec tree and runner
# ---------------------------------------------------------------------------


class Spec:
    def __init__(self, workflow, flag, context, name, fn):
        self.workflow = workflow
        self.flag = flag
        self.context = context
        self.name = name
        self.fn = fn
        self.state = "pending"
        self.message = ""
        self.elapsed = 0.0
        self.exchanges = []
        self.warnings = []

    @property
    def full_name(self):
        return "%s %s %s %s" % (SUITE_DESCRIPTION, self.workflow, self.context, self.name)


class Suite:
    def __init__(self):
        self.specs = []
        self._workflow = None
        self._flag = 0
        self._context = None

    def workflow(self, title, flag):
        self._workflow, self._flag = title, flag

    def context(self, name):
        self._context = name

    def specify(self, name):
        def deco(fn):
            self.specs.append(Spec(self._workflow, self._flag, self._context, name, fn))
            return fn
        return deco


class Runtime:
    """Things the specs reach through package-level vars in setup.go."""

    def __init__(self, cfg, data, client, writer):
        self.cfg = cfg
        self.data = data
        self.client = client
        self.writer = writer
        self.current = None

    # setup.go SkipIfDisabled / RunOnlyIf / RunOnlyIfNot / Warn
    def skip_if_disabled(self, flag):
        if not (flag & self.cfg.tests_to_run):
            buf = "you have skipped this test; if this is an error, check your environment variable settings:\n"
            for k in (ENV_PULL, ENV_PUSH, ENV_CONTENT_DISCOVERY, ENV_CONTENT_MANAGEMENT):
                buf += "\t%s=%s\n" % (k, os.environ.get(k, ""))
            raise SpecSkip(buf)

    def run_only_if(self, v):
        if not v:
            raise SpecSkip("you have skipped this test.")

    def run_only_if_not(self, v):
        if v:
            raise SpecSkip("you have skipped this test.")

    def warn(self, message):
        print("WARNING: %s" % message, file=sys.stderr, flush=True)
        if self.current is not None:
            self.current.warnings.append(message)


# ---------------------------------------------------------------------------
# Configuration and test data (setup.go init())
# ---------------------------------------------------------------------------


class Config:
    def __init__(self, env):
        self.root_url = env.get(ENV_ROOT_URL, "")
        self.namespace = env.get(ENV_NAMESPACE, "")
        self.username = env.get(ENV_USERNAME, "")
        self.password = env.get(ENV_PASSWORD, "")
        self.auth_scope = env.get(ENV_AUTH_SCOPE, "")
        self.crossmount_namespace = env.get(ENV_CROSSMOUNT_NAMESPACE, "")
        if len(self.crossmount_namespace) == 0:
            self.crossmount_namespace = "conformance-%s" % uuid.uuid4()
        self.debug = go_parse_bool(env.get(ENV_DEBUG, ""))[0]
        self.tests_to_run = 0
        for var, flag in ((ENV_PULL, PULL), (ENV_PUSH, PUSH), (ENV_CONTENT_DISCOVERY, CONTENT_DISCOVERY),
                          (ENV_CONTENT_MANAGEMENT, CONTENT_MANAGEMENT)):
            if go_parse_bool(env.get(var, ""))[0]:
                self.tests_to_run |= flag
        self.blob_digest_env = env.get(ENV_BLOB_DIGEST, "")
        self.manifest_digest_env = env.get(ENV_MANIFEST_DIGEST, "")
        self.tag_name_env = env.get(ENV_TAG_NAME, "")
        self.tag_list_env = env.get(ENV_TAG_LIST, "")
        self.run_pull_setup = not (self.tag_name_env != "" and self.manifest_digest_env != "" and self.blob_digest_env != "")
        self.run_push_setup = True
        self.run_content_discovery_setup = self.tag_list_env == ""
        self.run_content_management_setup = True
        self.delete_manifest_before_blobs = True
        if ENV_DELETE_MANIFEST_BEFORE_BLOBS in env:
            self.delete_manifest_before_blobs = go_parse_bool(env[ENV_DELETE_MANIFEST_BEFORE_BLOBS])[0]
        self.run_automatic_crossmount_test = ENV_AUTOMATIC_CROSSMOUNT in env
        self.automatic_crossmount_enabled = go_parse_bool(env.get(ENV_AUTOMATIC_CROSSMOUNT, ""))[0]
        self.hide_skipped_workflows = env.get(ENV_HIDE_SKIPPED_WORKFLOWS, "") == "1"
        report_dir = env.get(ENV_REPORT_DIR)
        self.report_dir = None if report_dir in (None, "", "none") else report_dir
        self.http_timeout = float(env.get(ENV_HTTP_TIMEOUT, "120") or "120")


class TestBlob:
    def __init__(self, content, digest):
        self.content = content
        self.content_length = str(len(content))
        self.digest = digest


def random_string(n):
    letters = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"
    return "".join(secrets.choice(letters) for _ in range(n))


def random_blob(size, seed):
    """randomBlob(): reproducible random bytes for a seed (Python PRNG, not Go's)."""
    b = random.Random(seed).randbytes(size)
    return sha256_digest(b), b


class TestData:
    def __init__(self, cfg, seed):
        self.seed = seed
        self.configs = []
        for _ in range(NUM_WORKFLOWS):
            # a new random author per config gives every workflow its own digest
            config = {"author": random_string(16), "architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": []}}
            content = go_json_marshal_indent(config)
            digest = sha256_digest(content)
            if cfg.blob_digest_env:
                digest = cfg.blob_digest_env
            self.configs.append(TestBlob(content, digest))

        self.layer_blob_data = base64.b64decode(LAYER_BASE64)
        self.layer_blob_digest = sha256_digest(self.layer_blob_data)
        self.layer_blob_content_length = "%d" % len(self.layer_blob_data)
        layers = [descriptor(MT_LAYER_TGZ, self.layer_blob_digest, len(self.layer_blob_data))]

        self.manifests = []
        for i in range(NUM_WORKFLOWS):
            m = manifest_obj(
                media_type=MT_MANIFEST,
                config=descriptor(MT_CONFIG, self.configs[i].digest, len(self.configs[i].content),
                                  data=self.configs[i].content, new_unspecified_field=b"hello world"),
                layers=layers)
            content = go_json_marshal_indent(m)
            digest = sha256_digest(content)
            if cfg.manifest_digest_env:
                digest = cfg.manifest_digest_env
            self.manifests.append(TestBlob(content, digest))

        # used in push test (no mediaType, no layers)
        empty_layer_manifest = manifest_obj(
            config=descriptor(MT_CONFIG, self.configs[1].digest, len(self.configs[1].content),
                              data=self.configs[1].content, new_unspecified_field=b"hello world"),
            layers=[])
        self.empty_layer_manifest_content = go_json_marshal_indent(empty_layer_manifest)
        self.empty_layer_manifest_digest = sha256_digest(self.empty_layer_manifest_content)

        self.nonexistent_manifest = ".INVALID_MANIFEST_NAME"
        self.invalid_manifest_content = b"blablabla"

        self.test_blob_a_digest, self.test_blob_a = random_blob(42, seed + 1)
        self.test_blob_a_length = str(len(self.test_blob_a))
        self.setup_chunked_blob(42)

        # used in referrers test (artifacts with Subject field set)
        self.empty_json_blob = b"{}"
        self.empty_json_digest = sha256_digest(self.empty_json_blob)
        self.empty_json_size = len(self.empty_json_blob)
        empty_json_descriptor = descriptor(MT_EMPTY, self.empty_json_digest, self.empty_json_size)

        self.test_ref_blob_a = b"NHL Peanut Butter on my NHL bagel"
        self.test_ref_blob_a_length = str(len(self.test_ref_blob_a))
        self.test_ref_blob_a_digest = sha256_digest(self.test_ref_blob_a)
        self.test_ref_artifact_type_a = "application/vnd.nhl.peanut.butter.bagel"
        self.test_ref_blob_b = b"NBA Strawberry Jam on my NBA croissant"
        self.test_ref_blob_b_length = str(len(self.test_ref_blob_b))
        self.test_ref_blob_b_digest = sha256_digest(self.test_ref_blob_b)
        self.test_ref_artifact_type_b = "application/vnd.nba.strawberry.jam.croissant"
        self.test_annotation_key = "org.opencontainers.conformance.test"
        self.test_annotation_values = {}

        def subject(i):
            return descriptor(MT_MANIFEST, sha256_digest(self.manifests[i].content), len(self.manifests[i].content))

        def build(obj, annotation=None):
            content = go_json_marshal_indent(obj)
            digest = sha256_digest(content)
            if annotation is not None:
                self.test_annotation_values[digest] = annotation
            return content, digest

        # artifact with Subject ref using config.MediaType = artifactType
        self.refs_manifest_a_config_artifact_content, self.refs_manifest_a_config_artifact_digest = build(manifest_obj(
            media_type=MT_MANIFEST,
            config=descriptor(self.test_ref_artifact_type_a, self.test_ref_blob_a_digest, len(self.test_ref_blob_a)),
            subject=subject(4), layers=[empty_json_descriptor],
            annotations={self.test_annotation_key: "test config a"}), "test config a")
        self.refs_manifest_b_config_artifact_content, self.refs_manifest_b_config_artifact_digest = build(manifest_obj(
            media_type=MT_MANIFEST,
            config=descriptor(self.test_ref_artifact_type_b, self.test_ref_blob_b_digest, len(self.test_ref_blob_b)),
            subject=subject(4), layers=[empty_json_descriptor],
            annotations={self.test_annotation_key: "test config b"}), "test config b")
        # artifact with Subject ref using ArtifactType, config.MediaType = emptyJSON
        self.refs_manifest_a_layer_artifact_content, self.refs_manifest_a_layer_artifact_digest = build(manifest_obj(
            media_type=MT_MANIFEST, artifact_type=self.test_ref_artifact_type_a, config=empty_json_descriptor,
            subject=subject(4),
            layers=[descriptor(self.test_ref_artifact_type_a, self.test_ref_blob_a_digest, len(self.test_ref_blob_a))],
            annotations={self.test_annotation_key: "test layer a"}), "test layer a")
        self.refs_manifest_b_layer_artifact_content, self.refs_manifest_b_layer_artifact_digest = build(manifest_obj(
            media_type=MT_MANIFEST, artifact_type=self.test_ref_artifact_type_b, config=empty_json_descriptor,
            subject=subject(4),
            layers=[descriptor(self.test_ref_artifact_type_b, self.test_ref_blob_b_digest, len(self.test_ref_blob_b))],
            annotations={self.test_annotation_key: "test layer b"}), "test layer b")
        # ManifestCLayerArtifact is the same as B but based on a subject that has not been pushed
        self.refs_manifest_c_layer_artifact_content, self.refs_manifest_c_layer_artifact_digest = build(manifest_obj(
            media_type=MT_MANIFEST, artifact_type=self.test_ref_artifact_type_b, config=empty_json_descriptor,
            subject=subject(3),
            layers=[descriptor(self.test_ref_artifact_type_b, self.test_ref_blob_b_digest, len(self.test_ref_blob_b))]))
        self.test_ref_artifact_type_index = "application/vnd.food.stand"
        self.refs_index_artifact_content, self.refs_index_artifact_digest = build(index_obj(
            media_type=MT_INDEX, artifact_type=self.test_ref_artifact_type_index,
            manifests=[
                descriptor(MT_MANIFEST, self.refs_manifest_a_config_artifact_digest,
                           len(self.refs_manifest_a_config_artifact_content)),
                descriptor(MT_MANIFEST, self.refs_manifest_a_layer_artifact_digest,
                           len(self.refs_manifest_a_layer_artifact_content)),
            ],
            subject=subject(4),
            annotations={self.test_annotation_key: "test index"}), "test index")

        self.dummy_digest = sha256_digest("hello world")
        self.error_codes = ERROR_CODES

    def setup_chunked_blob(self, size):
        self.test_blob_b_digest, self.test_blob_b = random_blob(size, self.seed + 2)
        half = size // 2 + 1
        self.test_blob_b_chunk1 = self.test_blob_b[:half]
        self.test_blob_b_chunk1_length = str(len(self.test_blob_b_chunk1))
        self.test_blob_b_chunk1_range = "0-%d" % (len(self.test_blob_b_chunk1) - 1)
        self.test_blob_b_chunk2 = self.test_blob_b[half:]
        self.test_blob_b_chunk2_length = str(len(self.test_blob_b_chunk2))
        self.test_blob_b_chunk2_range = "%d-%d" % (len(self.test_blob_b_chunk1), len(self.test_blob_b) - 1)


def get_tag_list(resp):
    """setup.go getTagList(): tags from resp.Body(), [] when it does not parse."""
    if resp is None:
        raise AttributeError("runtime error: invalid memory address or nil pointer dereference")
    v, err = go_unmarshal(resp.body(), TAG_LIST_SCHEMA)
    if err is not None or v is None:
        return []
    return v["tags"]


# ---------------------------------------------------------------------------
# 01_pull_test.go
# ---------------------------------------------------------------------------


def register_pull(s, rt):
    c, d, cfg = rt.client, rt.data, rt.cfg
    st = {"tag": ""}
    s.workflow(TITLE_PULL, PULL)

    def push_blob(digest, length, content):
        req = c.new_request("POST", "/v2/<name>/blobs/uploads/")
        resp, err = c.do(req)
        expect_err_nil(err)
        req = c.new_request("PUT", resp.get_relative_location()) \
            .set_query_param("digest", digest) \
            .set_header("Content-Type", OCTET) \
            .set_header("Content-Length", length) \
            .set_body(content)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_2xx(resp)

    s.context("Setup")

    @s.specify("Populate registry with test blob")
    def pull_setup_populate_blob_config0():
        rt.skip_if_disabled(PULL)
        rt.run_only_if(cfg.run_pull_setup)
        push_blob(d.configs[0].digest, d.configs[0].content_length, d.configs[0].content)

    @s.specify("Populate registry with test blob")
    def pull_setup_populate_blob_config1():
        rt.skip_if_disabled(PULL)
        rt.run_only_if(cfg.run_pull_setup)
        push_blob(d.configs[1].digest, d.configs[1].content_length, d.configs[1].content)

    @s.specify("Populate registry with test layer")
    def pull_setup_populate_layer():
        rt.skip_if_disabled(PULL)
        rt.run_only_if(cfg.run_pull_setup)
        push_blob(d.layer_blob_digest, d.layer_blob_content_length, d.layer_blob_data)

    @s.specify("Populate registry with test manifest")
    def pull_setup_populate_manifest0_by_tag():
        rt.skip_if_disabled(PULL)
        rt.run_only_if(cfg.run_pull_setup)
        st["tag"] = TEST_TAG_NAME
        req = c.new_request("PUT", "/v2/<name>/manifests/<reference>", reference=st["tag"]) \
            .set_header("Content-Type", MT_MANIFEST).set_body(d.manifests[0].content)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_2xx(resp)

    @s.specify("Populate registry with test manifest")
    def pull_setup_populate_manifest1_by_digest():
        rt.skip_if_disabled(PULL)
        rt.run_only_if(cfg.run_pull_setup)
        req = c.new_request("PUT", "/v2/<name>/manifests/<reference>", reference=d.manifests[1].digest) \
            .set_header("Content-Type", MT_MANIFEST).set_body(d.manifests[1].content)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_2xx(resp)

    @s.specify("Get tag name from environment")
    def pull_setup_tag_from_env():
        rt.skip_if_disabled(PULL)
        rt.run_only_if_not(cfg.run_pull_setup)
        tmp = os.environ.get(ENV_TAG_NAME, "")
        if tmp != "":
            st["tag"] = tmp

    s.context("Pull blobs")

    @s.specify("HEAD request to nonexistent blob should result in 404 response")
    def pull_head_nonexistent_blob():
        rt.skip_if_disabled(PULL)
        resp, err = c.do(c.new_request("HEAD", "/v2/<name>/blobs/<digest>", digest=d.dummy_digest))
        expect_err_nil(err)
        expect_status(resp, (404,))

    @s.specify("HEAD request to existing blob should yield 200")
    def pull_head_existing_blob():
        rt.skip_if_disabled(PULL)
        resp, err = c.do(c.new_request("HEAD", "/v2/<name>/blobs/<digest>", digest=d.configs[0].digest))
        expect_err_nil(err)
        expect_status(resp, (200,))
        h = resp.header("Docker-Content-Digest")
        if h != "":
            expect_equal(h, d.configs[0].digest, "Docker-Content-Digest")

    @s.specify("GET nonexistent blob should result in 404 response")
    def pull_get_nonexistent_blob():
        rt.skip_if_disabled(PULL)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/blobs/<digest>", digest=d.dummy_digest))
        expect_err_nil(err)
        expect_status(resp, (404,))

    @s.specify("GET request to existing blob URL should yield 200")
    def pull_get_existing_blob():
        rt.skip_if_disabled(PULL)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/blobs/<digest>", digest=d.configs[0].digest))
        expect_err_nil(err)
        expect_status(resp, (200,))

    s.context("Pull manifests")

    @s.specify("HEAD request to nonexistent manifest should return 404")
    def pull_head_nonexistent_manifest():
        rt.skip_if_disabled(PULL)
        resp, err = c.do(c.new_request("HEAD", "/v2/<name>/manifests/<reference>", reference=d.nonexistent_manifest))
        expect_err_nil(err)
        expect_status(resp, (404,))

    def head_manifest_digest(i):
        rt.skip_if_disabled(PULL)
        req = c.new_request("HEAD", "/v2/<name>/manifests/<digest>", digest=d.manifests[i].digest) \
            .set_header("Accept", MT_MANIFEST)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (200,))
        h = resp.header("Docker-Content-Digest")
        if h != "":
            expect_equal(h, d.manifests[i].digest, "Docker-Content-Digest")

    @s.specify("HEAD request to manifest[0] path (digest) should yield 200 response")
    def pull_head_manifest0_by_digest():
        head_manifest_digest(0)

    @s.specify("HEAD request to manifest[1] path (digest) should yield 200 response")
    def pull_head_manifest1_by_digest():
        head_manifest_digest(1)

    @s.specify("HEAD request to manifest path (tag) should yield 200 response")
    def pull_head_manifest_by_tag():
        rt.skip_if_disabled(PULL)
        expect_not_empty(st["tag"], "tag")
        req = c.new_request("HEAD", "/v2/<name>/manifests/<reference>", reference=st["tag"]) \
            .set_header("Accept", MT_MANIFEST)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (200,))
        h = resp.header("Docker-Content-Digest")
        if h != "":
            expect_equal(h, d.manifests[0].digest, "Docker-Content-Digest")

    @s.specify("GET nonexistent manifest should return 404")
    def pull_get_nonexistent_manifest():
        rt.skip_if_disabled(PULL)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/manifests/<reference>", reference=d.nonexistent_manifest))
        expect_err_nil(err)
        expect_status(resp, (404,))

    def get_manifest_digest(i):
        rt.skip_if_disabled(PULL)
        req = c.new_request("GET", "/v2/<name>/manifests/<digest>", digest=d.manifests[i].digest) \
            .set_header("Accept", MT_MANIFEST)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (200,))

    @s.specify("GET request to manifest[0] path (digest) should yield 200 response")
    def pull_get_manifest0_by_digest():
        get_manifest_digest(0)

    @s.specify("GET request to manifest[1] path (digest) should yield 200 response")
    def pull_get_manifest1_by_digest():
        get_manifest_digest(1)

    @s.specify("GET request to manifest path (tag) should yield 200 response")
    def pull_get_manifest_by_tag():
        rt.skip_if_disabled(PULL)
        expect_not_empty(st["tag"], "tag")
        req = c.new_request("GET", "/v2/<name>/manifests/<reference>", reference=st["tag"]) \
            .set_header("Accept", MT_MANIFEST)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (200,))

    s.context("Error codes")

    @s.specify("400 response body should contain OCI-conforming JSON message")
    def pull_error_codes_400_body():
        rt.skip_if_disabled(PULL)
        # A GET with a body: resty drops the body for GET but keeps the headers.
        req = c.new_request("GET", "/v2/<name>/manifests/<reference>", reference="sha256:totallywrong") \
            .set_header("Content-Type", MT_MANIFEST).set_body(d.invalid_manifest_content)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (400, 404))
        if resp.status_code() == 400:
            error_responses, err = resp.errors()
            expect_err_nil(err)
            expect_not_empty(error_responses, "errors")
            code = error_responses[0]["code"]
            expect_true(code in d.error_codes,
                        "Expected\n    %s\nto contain element matching\n    %s" % (_fmt(d.error_codes), _fmt(code)))

    s.context("Teardown")

    def delete_manifest(i):
        rt.skip_if_disabled(PULL)
        rt.run_only_if(cfg.run_pull_setup)
        resp, err = c.do(c.new_request("DELETE", "/v2/<name>/manifests/<digest>", digest=d.manifests[i].digest))
        expect_err_nil(err)
        expect_status(resp, (405,), two_xx=True)

    def delete_blob(digest):
        rt.skip_if_disabled(PULL)
        rt.run_only_if(cfg.run_pull_setup)
        resp, err = c.do(c.new_request("DELETE", "/v2/<name>/blobs/<digest>", digest=digest))
        expect_err_nil(err)
        expect_status(resp, (404, 405), two_xx=True)

    if cfg.delete_manifest_before_blobs:
        @s.specify("Delete manifest[0] created in setup")
        def pull_teardown_delete_manifest0():
            delete_manifest(0)

        @s.specify("Delete manifest[1] created in setup")
        def pull_teardown_delete_manifest1():
            delete_manifest(1)

    @s.specify("Delete config[0] blob created in setup")
    def pull_teardown_delete_config0():
        delete_blob(d.configs[0].digest)

    @s.specify("Delete config[1] blob created in setup")
    def pull_teardown_delete_config1():
        delete_blob(d.configs[1].digest)

    @s.specify("Delete layer blob created in setup")
    def pull_teardown_delete_layer():
        delete_blob(d.layer_blob_digest)

    if not cfg.delete_manifest_before_blobs:
        @s.specify("Delete manifest[0] created in setup")
        def pull_teardown_delete_manifest0_after_blobs():
            delete_manifest(0)

        @s.specify("Delete manifest[1] created in setup")
        def pull_teardown_delete_manifest1_after_blobs():
            delete_manifest(1)


# ---------------------------------------------------------------------------
# 02_push_test.go
# ---------------------------------------------------------------------------


def register_push(s, rt):
    c, d, cfg = rt.client, rt.data, rt.cfg
    st = {"last": None, "prev": None, "empty_layer_manifest_ref": ""}
    s.workflow(TITLE_PUSH, PUSH)

    s.context("Setup")
    # No setup required at this time for push tests

    s.context("Blob Upload Streamed")

    @s.specify("PATCH request with blob in body should yield 202 response")
    def push_streamed_patch_blob():
        rt.skip_if_disabled(PUSH)
        resp, err = c.do(c.new_request("POST", "/v2/<name>/blobs/uploads/"))
        expect_err_nil(err)
        expect_not_empty(resp.header("Location"), "Location")
        req = c.new_request("PATCH", resp.get_relative_location()) \
            .set_header("Content-Type", OCTET).set_body(d.test_blob_a)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (202,))
        st["last"] = resp

    @s.specify("PUT request to session URL with digest should yield 201 response")
    def push_streamed_put_digest():
        rt.skip_if_disabled(PUSH)
        expect_not_nil(st["last"], "lastResponse")
        req = c.new_request("PUT", st["last"].get_relative_location()) \
            .set_query_param("digest", d.test_blob_a_digest) \
            .set_header("Content-Type", OCTET) \
            .set_header("Content-Length", d.test_blob_a_length)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (201,))
        expect_not_empty(resp.header("Location"), "Location")

    s.context("Blob Upload Monolithic")

    @s.specify("GET nonexistent blob should result in 404 response")
    def push_monolithic_get_nonexistent_blob():
        rt.skip_if_disabled(PUSH)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/blobs/<digest>", digest=d.dummy_digest))
        expect_err_nil(err)
        expect_status(resp, (404,))

    @s.specify("POST request with digest and blob should yield a 201 or 202")
    def push_monolithic_post_with_digest():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("POST", "/v2/<name>/blobs/uploads/") \
            .set_header("Content-Length", d.configs[1].content_length) \
            .set_header("Content-Type", OCTET) \
            .set_query_param("digest", d.configs[1].digest) \
            .set_body(d.configs[1].content)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_not_empty(resp.header("Location"), "Location")
        expect_status(resp, (201, 202))
        st["last"] = resp

    @s.specify("GET request to blob URL from prior request should yield 200 or 404 based on response code")
    def push_monolithic_get_blob_after_post():
        rt.skip_if_disabled(PUSH)
        expect_not_nil(st["last"], "lastResponse")
        resp, err = c.do(c.new_request("GET", "/v2/<name>/blobs/<digest>", digest=d.configs[1].digest))
        expect_err_nil(err)
        if st["last"].status_code() == 202:
            expect_status(resp, (404,))
        else:
            expect_status(resp, (200,))

    @s.specify("POST request should yield a session ID")
    def push_monolithic_post_session():
        rt.skip_if_disabled(PUSH)
        resp, err = c.do(c.new_request("POST", "/v2/<name>/blobs/uploads/"))
        expect_err_nil(err)
        expect_status(resp, (202,))
        st["last"] = resp

    @s.specify("PUT upload of a blob should yield a 201 Response")
    def push_monolithic_put_blob():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("PUT", st["last"].get_relative_location()) \
            .set_header("Content-Length", d.configs[1].content_length) \
            .set_header("Content-Type", OCTET) \
            .set_query_param("digest", d.configs[1].digest) \
            .set_body(d.configs[1].content)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_not_empty(resp.header("Location"), "Location")
        expect_status(resp, (201,))

    @s.specify("GET request to existing blob should yield 200 response")
    def push_monolithic_get_blob():
        rt.skip_if_disabled(PUSH)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/blobs/<digest>", digest=d.configs[1].digest))
        expect_err_nil(err)
        expect_status(resp, (200,))

    @s.specify("PUT upload of a layer blob should yield a 201 Response")
    def push_monolithic_put_layer():
        rt.skip_if_disabled(PUSH)
        resp, err = c.do(c.new_request("POST", "/v2/<name>/blobs/uploads/"))
        expect_err_nil(err)
        req = c.new_request("PUT", resp.get_relative_location()) \
            .set_header("Content-Length", d.layer_blob_content_length) \
            .set_header("Content-Type", OCTET) \
            .set_query_param("digest", d.layer_blob_digest) \
            .set_body(d.layer_blob_data)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_not_empty(resp.header("Location"), "Location")
        expect_status(resp, (201,))

    @s.specify("GET request to existing layer should yield 200 response")
    def push_monolithic_get_layer():
        rt.skip_if_disabled(PUSH)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/blobs/<digest>", digest=d.layer_blob_digest))
        expect_err_nil(err)
        expect_status(resp, (200,))

    s.context("Blob Upload Chunked")

    @s.specify("Out-of-order blob upload should return 416")
    def push_chunked_out_of_order():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("POST", "/v2/<name>/blobs/uploads/").set_header("Content-Length", "0")
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_not_empty(resp.header("Location"), "Location")
        # rebuild chunked blob if min size is above our chunk size
        min_size_str = resp.header("OCI-Chunk-Min-Length")
        if min_size_str != "":
            try:
                min_size, err = go_atoi(min_size_str), None
            except ValueError as e:
                min_size, err = 0, e
            expect_err_nil(err)
            if min_size > len(d.test_blob_b_chunk1):
                d.setup_chunked_blob(min_size * 2 - 2)
        req = c.new_request("PATCH", resp.get_relative_location()) \
            .set_header("Content-Type", OCTET) \
            .set_header("Content-Length", d.test_blob_b_chunk2_length) \
            .set_header("Content-Range", d.test_blob_b_chunk2_range) \
            .set_body(d.test_blob_b_chunk2)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (416,))

    @s.specify("PATCH request with first chunk should return 202")
    def push_chunked_patch_first_chunk():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("POST", "/v2/<name>/blobs/uploads/").set_header("Content-Length", "0")
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_not_empty(resp.header("Location"), "Location")
        st["prev"] = resp
        req = c.new_request("PATCH", resp.get_relative_location()) \
            .set_header("Content-Type", OCTET) \
            .set_header("Content-Length", d.test_blob_b_chunk1_length) \
            .set_header("Content-Range", d.test_blob_b_chunk1_range) \
            .set_body(d.test_blob_b_chunk1)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (202,))
        expect_equal(resp.header("Range"), d.test_blob_b_chunk1_range, "Range header")
        st["last"] = resp

    @s.specify("Retry previous blob chunk should return 416")
    def push_chunked_retry_previous_chunk():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("PATCH", st["prev"].get_relative_location()) \
            .set_header("Content-Type", OCTET) \
            .set_header("Content-Length", d.test_blob_b_chunk1_length) \
            .set_header("Content-Range", d.test_blob_b_chunk1_range) \
            .set_body(d.test_blob_b_chunk1)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (416,))

    @s.specify("Get on stale blob upload should return 204 with a range and location")
    def push_chunked_get_stale_upload():
        rt.skip_if_disabled(PUSH)
        resp, err = c.do(c.new_request("GET", st["prev"].get_relative_location()))
        expect_err_nil(err)
        expect_status(resp, (204,))
        expect_not_empty(resp.header("Location"), "Location")
        expect_equal(resp.header("Range"), d.test_blob_b_chunk1_range, "Range header")
        st["last"] = resp

    @s.specify("PATCH request with second chunk should return 202")
    def push_chunked_patch_second_chunk():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("PATCH", st["last"].get_relative_location()) \
            .set_header("Content-Length", d.test_blob_b_chunk2_length) \
            .set_header("Content-Range", d.test_blob_b_chunk2_range) \
            .set_header("Content-Type", OCTET) \
            .set_body(d.test_blob_b_chunk2)
        resp, err = c.do(req)
        expect_err_nil(err)
        location = resp.header("Location")
        expect_status(resp, (202,))
        expect_not_empty(location, "Location")
        st["last"] = resp

    @s.specify("PUT request with digest should return 201")
    def push_chunked_put_digest():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("PUT", st["last"].get_relative_location()) \
            .set_header("Content-Length", "0") \
            .set_header("Content-Type", OCTET) \
            .set_query_param("digest", d.test_blob_b_digest)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (201,))
        expect_not_empty(resp.header("Location"), "Location")

    s.context("Cross-Repository Blob Mount")

    @s.specify("Cross-mounting of a blob without the from argument should yield session id")
    def push_mount_without_from():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("POST", "/v2/<name>/blobs/uploads/", name=cfg.crossmount_namespace) \
            .set_query_param("mount", d.dummy_digest)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (202,))
        expect_not_empty(resp.get_absolute_location(), "Location")

    @s.specify("POST request to mount another repository's blob should return 201 or 202")
    def push_mount_from_namespace():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("POST", "/v2/<name>/blobs/uploads/", name=cfg.crossmount_namespace) \
            .set_query_param("mount", d.test_blob_a_digest) \
            .set_query_param("from", c.default_name)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (201, 202))
        st["last"] = resp

    @s.specify("GET request to test digest within cross-mount namespace should return 200")
    def push_mount_get_mounted_blob():
        rt.skip_if_disabled(PUSH)
        rt.run_only_if(st["last"].status_code() == 201)
        expect_equal(st["last"].get_relative_location(),
                     "/v2/%s/blobs/%s" % (cfg.crossmount_namespace, d.test_blob_a_digest), "relative Location")
        resp, err = c.do(c.new_request("GET", st["last"].get_relative_location()))
        expect_err_nil(err)
        expect_status(resp, (200,))

    @s.specify("Cross-mounting of nonexistent blob should yield session id")
    def push_mount_nonexistent_session():
        rt.skip_if_disabled(PUSH)
        rt.run_only_if(st["last"].status_code() == 202)
        loc = st["last"].get_relative_location()
        prefix = "/v2/%s/blobs/uploads/" % cfg.crossmount_namespace
        expect_true(loc.startswith(prefix), "Expected\n    %s\nto have prefix\n    %s" % (_fmt(loc), _fmt(prefix)))

    @s.specify("Cross-mounting without from, and automatic content discovery enabled should return a 201")
    def push_mount_automatic_enabled():
        rt.skip_if_disabled(PUSH)
        rt.run_only_if(cfg.run_automatic_crossmount_test)
        rt.run_only_if(st["last"].status_code() == 201)
        rt.run_only_if(cfg.automatic_crossmount_enabled)
        req = c.new_request("POST", "/v2/<name>/blobs/uploads/", name=cfg.crossmount_namespace) \
            .set_query_param("mount", d.test_blob_a_digest)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (201,))

    @s.specify("Cross-mounting without from, and automatic content discovery disabled should return a 202")
    def push_mount_automatic_disabled():
        rt.skip_if_disabled(PUSH)
        rt.run_only_if(cfg.run_automatic_crossmount_test)
        rt.run_only_if(st["last"].status_code() == 201)
        rt.run_only_if_not(cfg.automatic_crossmount_enabled)
        req = c.new_request("POST", "/v2/<name>/blobs/uploads/", name=cfg.crossmount_namespace) \
            .set_query_param("mount", d.test_blob_a_digest)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (202,))

    s.context("Manifest Upload")

    @s.specify("GET nonexistent manifest should return 404")
    def push_manifest_get_nonexistent():
        rt.skip_if_disabled(PUSH)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/manifests/<reference>", reference=d.nonexistent_manifest))
        expect_err_nil(err)
        expect_status(resp, (404,))

    @s.specify("PUT should accept a manifest upload")
    def push_manifest_put_tags():
        rt.skip_if_disabled(PUSH)
        for i in range(4):
            tag = "test%d" % i
            req = c.new_request("PUT", "/v2/<name>/manifests/<reference>", reference=tag) \
                .set_header("Content-Type", MT_MANIFEST).set_body(d.manifests[1].content)
            resp, err = c.do(req)
            expect_err_nil(err)
            expect_not_empty(resp.header("Location"), "Location")
            expect_status(resp, (201,))

    @s.specify("Registry should accept a manifest upload with no layers")
    def push_manifest_put_no_layers():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("PUT", "/v2/<name>/manifests/<reference>", reference=EMPTY_LAYER_TEST_TAG) \
            .set_header("Content-Type", MT_MANIFEST).set_body(d.empty_layer_manifest_content)
        resp, err = c.do(req)
        expect_err_nil(err)
        if resp.status_code() == 201:
            location = resp.header("Location")
            st["empty_layer_manifest_ref"] = location
            expect_not_empty(location, "Location")
            expect_status(resp, (201,))
        else:
            rt.warn("image manifest with no layers is not supported")

    @s.specify("GET request to manifest URL (digest) should yield 200 response")
    def push_manifest_get_by_digest():
        rt.skip_if_disabled(PUSH)
        req = c.new_request("GET", "/v2/<name>/manifests/<digest>", digest=d.manifests[1].digest) \
            .set_header("Accept", MT_MANIFEST)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (200,))

    s.context("Teardown")

    def delete_manifests():
        rt.skip_if_disabled(PUSH)
        rt.run_only_if(cfg.run_push_setup)
        resp, err = c.do(c.new_request("DELETE", "/v2/<name>/manifests/<digest>", digest=d.manifests[1].digest))
        expect_err_nil(err)
        expect_status(resp, (405,), two_xx=True)
        if st["empty_layer_manifest_ref"] != "":
            req = c.new_request("DELETE", "/v2/<name>/manifests/<reference>", reference=d.empty_layer_manifest_digest)
            resp, err = c.do(req)
            expect_err_nil(err)
            expect_status(resp, (405,), two_xx=True)

    def delete_blob(digest):
        rt.skip_if_disabled(PUSH)
        rt.run_only_if(cfg.run_push_setup)
        resp, err = c.do(c.new_request("DELETE", "/v2/<name>/blobs/<digest>", digest=digest))
        expect_err_nil(err)
        expect_status(resp, (404, 405), two_xx=True)

    if cfg.delete_manifest_before_blobs:
        @s.specify("Delete manifest created in tests")
        def push_teardown_delete_manifests():
            delete_manifests()

    @s.specify("Delete config blob created in tests")
    def push_teardown_delete_config():
        delete_blob(d.configs[1].digest)

    @s.specify("Delete layer blob created in setup")
    def push_teardown_delete_layer():
        delete_blob(d.layer_blob_digest)

    if not cfg.delete_manifest_before_blobs:
        @s.specify("Delete manifest created in tests")
        def push_teardown_delete_manifests_after_blobs():
            delete_manifests()


# ---------------------------------------------------------------------------
# 03_discovery_test.go
# ---------------------------------------------------------------------------


def register_content_discovery(s, rt):
    c, d, cfg = rt.client, rt.data, rt.cfg
    st = {"num_tags": 4, "tag_list": []}
    s.workflow(TITLE_CONTENT_DISCOVERY, CONTENT_DISCOVERY)

    def push_blob(digest, length, content):
        resp, err = c.do(c.new_request("POST", "/v2/<name>/blobs/uploads/"))
        expect_err_nil(err)
        req = c.new_request("PUT", resp.get_relative_location()) \
            .set_query_param("digest", digest) \
            .set_header("Content-Type", OCTET) \
            .set_header("Content-Length", length) \
            .set_body(content)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_2xx(resp)

    def put_manifest(reference, media_type, content):
        req = c.new_request("PUT", "/v2/<name>/manifests/<reference>", reference=reference) \
            .set_header("Content-Type", media_type).set_body(content)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_2xx(resp)
        return resp

    s.context("Setup")

    @s.specify("Populate registry with test blob")
    def discovery_setup_populate_blob():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        rt.run_only_if(cfg.run_content_discovery_setup)
        push_blob(d.configs[2].digest, d.configs[2].content_length, d.configs[2].content)

    @s.specify("Populate registry with test layer")
    def discovery_setup_populate_layer():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        rt.run_only_if(cfg.run_content_discovery_setup)
        push_blob(d.layer_blob_digest, d.layer_blob_content_length, d.layer_blob_data)

    @s.specify("Populate registry with test tags")
    def discovery_setup_populate_tags():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        rt.run_only_if(cfg.run_content_discovery_setup)
        for i in range(st["num_tags"]):
            tag = "test%d" % i
            st["tag_list"].append(tag)
            put_manifest(tag, MT_MANIFEST, d.manifests[2].content)
        resp, _err = c.do(c.new_request("GET", "/v2/<name>/tags/list"))
        st["tag_list"] = get_tag_list(resp)

    @s.specify("Populate registry with test tags (no push)")
    def discovery_setup_tags_from_env():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        rt.run_only_if_not(cfg.run_content_discovery_setup)
        st["tag_list"] = os.environ.get(ENV_TAG_LIST, "").split(",")

    @s.specify("References setup")
    def discovery_setup_references():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        rt.run_only_if(cfg.run_content_discovery_setup)
        # Populate registry with empty JSON blob; validate expected empty JSON blob digest
        expect_equal(d.empty_json_digest, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
                     "empty JSON digest")
        push_blob(d.empty_json_digest, "%d" % d.empty_json_size, d.empty_json_blob)
        # Populate registry with reference blob before the image manifest is pushed
        push_blob(d.test_ref_blob_a_digest, d.test_ref_blob_a_length, d.test_ref_blob_a)
        # Populate registry with test references manifest (config.MediaType = artifactType)
        resp = put_manifest(d.refs_manifest_a_config_artifact_digest, MT_MANIFEST,
                            d.refs_manifest_a_config_artifact_content)
        expect_equal(resp.header("OCI-Subject"), d.manifests[4].digest, "OCI-Subject header")
        # Populate registry with test references manifest (ArtifactType, config.MediaType = emptyJSON)
        resp = put_manifest(d.refs_manifest_a_layer_artifact_digest, MT_MANIFEST,
                            d.refs_manifest_a_layer_artifact_content)
        expect_equal(resp.header("OCI-Subject"), d.manifests[4].digest, "OCI-Subject header")
        # Populate registry with test index manifest
        resp = put_manifest(d.refs_index_artifact_digest, MT_INDEX, d.refs_index_artifact_content)
        expect_equal(resp.header("OCI-Subject"), d.manifests[4].digest, "OCI-Subject header")
        # Populate registry with test blob
        push_blob(d.configs[4].digest, d.configs[4].content_length, d.configs[4].content)
        # Populate registry with test layer
        push_blob(d.layer_blob_digest, d.layer_blob_content_length, d.layer_blob_data)
        # Populate registry with test manifest
        put_manifest(TEST_TAG_NAME, MT_MANIFEST, d.manifests[4].content)
        # Populate registry with reference blob after the image manifest is pushed
        push_blob(d.test_ref_blob_b_digest, d.test_ref_blob_b_length, d.test_ref_blob_b)
        # Populate registry with test references manifest (config.MediaType = artifactType)
        resp = put_manifest(d.refs_manifest_b_config_artifact_digest, MT_MANIFEST,
                            d.refs_manifest_b_config_artifact_content)
        expect_equal(resp.header("OCI-Subject"), d.manifests[4].digest, "OCI-Subject header")
        # Populate registry with test references manifest (ArtifactType, config.MediaType = emptyJSON)
        resp = put_manifest(d.refs_manifest_b_layer_artifact_digest, MT_MANIFEST,
                            d.refs_manifest_b_layer_artifact_content)
        expect_equal(resp.header("OCI-Subject"), d.manifests[4].digest, "OCI-Subject header")
        # Populate registry with test references manifest to a non-existent subject
        resp = put_manifest(d.refs_manifest_c_layer_artifact_digest, MT_MANIFEST,
                            d.refs_manifest_c_layer_artifact_content)
        expect_equal(resp.header("OCI-Subject"), d.manifests[3].digest, "OCI-Subject header")

    s.context("Test content discovery endpoints (listing tags)")

    @s.specify("GET request to list tags should yield 200 response")
    def discovery_list_tags():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/tags/list"))
        expect_err_nil(err)
        expect_status(resp, (200,))
        st["tag_list"] = get_tag_list(resp)
        st["num_tags"] = len(st["tag_list"])

    @s.specify("GET number of tags should be limitable by `n` query parameter")
    def discovery_list_tags_n():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        num_results = st["num_tags"] // 2
        req = c.new_request("GET", "/v2/<name>/tags/list").set_query_param("n", str(num_results))
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (200,))
        st["tag_list"] = get_tag_list(resp)
        expect_equal(len(st["tag_list"]), num_results, "number of tags")

    @s.specify("GET start of tag is set by `last` query parameter")
    def discovery_list_tags_last():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        num_results = st["num_tags"] // 2
        req = c.new_request("GET", "/v2/<name>/tags/list").set_query_param("n", str(num_results))
        resp, err = c.do(req)
        expect_err_nil(err)
        st["tag_list"] = get_tag_list(resp)
        req = c.new_request("GET", "/v2/<name>/tags/list") \
            .set_query_param("n", str(num_results)) \
            .set_query_param("last", go_index(st["tag_list"], num_results - 1))
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_status(resp, (200,))
        # Upstream asserts on the tag list of the *first* request (it does not
        # re-read the second response); ported as is.
        expect_true(len(st["tag_list"]) <= num_results,
                    "Expected\n    <int>: %d\nto be <= %d" % (len(st["tag_list"]), num_results))
        expect_true(go_index(st["tag_list"], num_results - 1) in st["tag_list"], "tag list does not contain last tag")

    s.context("Test content discovery endpoints (listing references)")

    def check_index_response(resp):
        expect_status(resp, (200,))
        expect_equal(resp.header("Content-Type"), MT_INDEX, "Content-Type header")
        index, err = go_unmarshal(resp.body(), INDEX_SCHEMA)
        expect_err_nil(err)
        return index["manifests"] if index is not None else []

    def check_annotations(manifests):
        for m in manifests:
            expect_equal(len(m["annotations"]), 1, "number of annotations of %s" % m["digest"])
            expect_equal(m["annotations"].get(d.test_annotation_key, ""),
                         d.test_annotation_values.get(m["digest"], ""), "annotation of %s" % m["digest"])

    @s.specify("GET request to nonexistent blob should result in empty 200 response")
    def discovery_referrers_nonexistent():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/referrers/<digest>", digest=d.dummy_digest))
        expect_err_nil(err)
        manifests = check_index_response(resp)
        expect_equal(len(manifests), 0, "number of referrers")

    @s.specify("GET request to existing blob should yield 200")
    def discovery_referrers_existing():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/referrers/<digest>", digest=d.manifests[4].digest))
        expect_err_nil(err)
        manifests = check_index_response(resp)
        expect_equal(len(manifests), 5, "number of referrers")
        expect_not_equal(go_index(manifests, 0)["digest"], go_index(manifests, 1)["digest"], "referrer digests")
        check_annotations(manifests)

    @s.specify("GET request to existing blob with filter should yield 200")
    def discovery_referrers_filtered():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        req = c.new_request("GET", "/v2/<name>/referrers/<digest>", digest=d.manifests[4].digest) \
            .set_query_param("artifactType", d.test_ref_artifact_type_a)
        resp, err = c.do(req)
        expect_err_nil(err)
        manifests = check_index_response(resp)
        # also check resp header "OCI-Filters-Applied: artifactType" denoting that an artifactType filter was applied
        if resp.header("OCI-Filters-Applied") != "":
            expect_equal(len(manifests), 2, "number of filtered referrers")
            expect_equal(resp.header("OCI-Filters-Applied"), ARTIFACT_TYPE_FILTER, "OCI-Filters-Applied header")
            check_annotations(manifests)
        else:
            expect_equal(len(manifests), 5, "number of referrers (filter not applied)")
            check_annotations(manifests)
            rt.warn("filtering by artifact-type is not implemented")

    @s.specify("GET request to missing manifest should yield 200")
    def discovery_referrers_missing_subject():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/referrers/<digest>", digest=d.manifests[3].digest))
        expect_err_nil(err)
        manifests = check_index_response(resp)
        expect_equal(len(manifests), 1, "number of referrers")
        expect_equal(manifests[0]["digest"], d.refs_manifest_c_layer_artifact_digest, "referrer digest")

    s.context("Teardown")

    def delete_created_manifests():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        rt.run_only_if(cfg.run_content_discovery_setup)
        references = [
            d.refs_index_artifact_digest, d.manifests[2].digest, d.manifests[4].digest,
            d.refs_manifest_a_config_artifact_digest, d.refs_manifest_a_layer_artifact_digest, TEST_TAG_NAME,
            d.refs_manifest_b_config_artifact_digest, d.refs_manifest_b_layer_artifact_digest,
            d.refs_manifest_c_layer_artifact_digest,
        ]
        for ref in references:
            resp, err = c.do(c.new_request("DELETE", "/v2/<name>/manifests/<digest>", digest=ref))
            expect_err_nil(err)
            expect_status(resp, (405, 404), two_xx=True)

    if cfg.delete_manifest_before_blobs:
        @s.specify("Delete created manifest & associated tags")
        def discovery_teardown_delete_manifests():
            delete_created_manifests()

    @s.specify("Delete config blob created in tests")
    def discovery_teardown_delete_config():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        rt.run_only_if(cfg.run_content_discovery_setup)
        resp, err = c.do(c.new_request("DELETE", "/v2/<name>/blobs/<digest>", digest=d.configs[2].digest))
        expect_err_nil(err)
        expect_status(resp, (405,), two_xx=True)

    @s.specify("Delete layer blob created in setup")
    def discovery_teardown_delete_layer():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        rt.run_only_if(cfg.run_content_discovery_setup)
        resp, err = c.do(c.new_request("DELETE", "/v2/<name>/blobs/<digest>", digest=d.layer_blob_digest))
        expect_err_nil(err)
        expect_status(resp, (405,), two_xx=True)

    if not cfg.delete_manifest_before_blobs:
        @s.specify("Delete created manifest & associated tags")
        def discovery_teardown_delete_manifests_after_blobs():
            delete_created_manifests()

    @s.specify("References teardown")
    def discovery_teardown_references():
        rt.skip_if_disabled(CONTENT_DISCOVERY)
        rt.run_only_if(cfg.run_content_discovery_setup)

        def delete_req(req):
            resp, err = c.do(req)
            expect_err_nil(err)
            expect_status(resp, (405, 404), two_xx=True)

        def delete_manifests():
            for ref in (d.refs_index_artifact_digest, d.refs_manifest_a_config_artifact_digest,
                        d.refs_manifest_a_layer_artifact_digest):
                delete_req(c.new_request("DELETE", "/v2/<name>/manifests/<reference>", reference=ref))
            delete_req(c.new_request("DELETE", "/v2/<name>/manifests/<digest>", digest=d.manifests[4].digest))
            for ref in (d.refs_manifest_b_config_artifact_digest, d.refs_manifest_b_layer_artifact_digest):
                delete_req(c.new_request("DELETE", "/v2/<name>/manifests/<reference>", reference=ref))

        if cfg.delete_manifest_before_blobs:
            delete_manifests()
        # Delete config blob created in setup
        delete_req(c.new_request("DELETE", "/v2/<name>/blobs/<digest>", digest=d.configs[4].digest))
        # Delete reference blob created in setup
        delete_req(c.new_request("DELETE", "/v2/<name>/blobs/<digest>", digest=d.test_ref_blob_a_digest))
        delete_req(c.new_request("DELETE", "/v2/<name>/blobs/<digest>", digest=d.test_ref_blob_b_digest))
        # Delete empty JSON blob created in setup
        delete_req(c.new_request("DELETE", "/v2/<name>/blobs/<digest>", digest=d.empty_json_digest))
        if not cfg.delete_manifest_before_blobs:
            delete_manifests()


# ---------------------------------------------------------------------------
# 04_management_test.go
# ---------------------------------------------------------------------------


def register_content_management(s, rt):
    c, d, cfg = rt.client, rt.data, rt.cfg
    default_tag_name = "tagtest0"
    st = {"tag_to_delete": "", "num_tags": 0, "blob_delete_allowed": True}
    s.workflow(TITLE_CONTENT_MANAGEMENT, CONTENT_MANAGEMENT)

    def push_blob(digest, length, content):
        resp, err = c.do(c.new_request("POST", "/v2/<name>/blobs/uploads/"))
        expect_err_nil(err)
        req = c.new_request("PUT", resp.get_relative_location()) \
            .set_header("Content-Length", length) \
            .set_header("Content-Type", OCTET) \
            .set_query_param("digest", digest) \
            .set_body(content)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_2xx(resp)

    def tag_count(resp):
        v, err = go_unmarshal(resp.string().encode("utf-8"), TAG_LIST_SCHEMA)
        expect_err_nil(err)
        return 0 if v is None else len(v["tags"])

    s.context("Setup")

    @s.specify("Populate registry with test config blob")
    def management_setup_populate_config():
        rt.skip_if_disabled(CONTENT_MANAGEMENT)
        rt.run_only_if(cfg.run_content_management_setup)
        push_blob(d.configs[3].digest, d.configs[3].content_length, d.configs[3].content)

    @s.specify("Populate registry with test layer")
    def management_setup_populate_layer():
        rt.skip_if_disabled(CONTENT_MANAGEMENT)
        rt.run_only_if(cfg.run_content_management_setup)
        push_blob(d.layer_blob_digest, d.layer_blob_content_length, d.layer_blob_data)

    @s.specify("Populate registry with test tag")
    def management_setup_populate_tag():
        rt.skip_if_disabled(CONTENT_MANAGEMENT)
        rt.run_only_if(cfg.run_content_management_setup)
        st["tag_to_delete"] = default_tag_name
        req = c.new_request("PUT", "/v2/<name>/manifests/<reference>", reference=st["tag_to_delete"]) \
            .set_header("Content-Type", MT_MANIFEST).set_body(d.manifests[3].content)
        resp, err = c.do(req)
        expect_err_nil(err)
        expect_2xx(resp)

    @s.specify("Check how many tags there are before anything gets deleted")
    def management_setup_count_tags():
        rt.skip_if_disabled(CONTENT_MANAGEMENT)
        rt.run_only_if(cfg.run_content_management_setup)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/tags/list"))
        expect_err_nil(err)
        expect_status(resp, (200,))
        st["num_tags"] = tag_count(resp)

    s.context("Manifest delete")

    @s.specify("DELETE request to manifest tag should return 202, unless tag deletion is disallowed (400/405)")
    def management_delete_manifest_by_tag():
        rt.skip_if_disabled(CONTENT_MANAGEMENT)
        resp, err = c.do(c.new_request("DELETE", "/v2/<name>/manifests/<reference>", reference=st["tag_to_delete"]))
        expect_err_nil(err)
        expect_status(resp, (400, 202, 405))
        if resp.status_code() == 400:
            error_responses, err = resp.errors()
            expect_err_nil(err)
            expect_not_empty(error_responses, "errors")
            expect_equal(error_responses[0]["code"], d.error_codes[UNSUPPORTED], "error code")

    @s.specify("DELETE request to manifest (digest) should yield 202 response unless already deleted")
    def management_delete_manifest_by_digest():
        rt.skip_if_disabled(CONTENT_MANAGEMENT)
        resp, err = c.do(c.new_request("DELETE", "/v2/<name>/manifests/<digest>", digest=d.manifests[3].digest))
        expect_err_nil(err)
        # In the case that the previous request was accepted, this may or may not fail (which is ok)
        expect_status(resp, (202, 404))

    @s.specify("GET request to deleted manifest URL should yield 404 response, unless delete is disallowed")
    def management_get_deleted_manifest():
        rt.skip_if_disabled(CONTENT_MANAGEMENT)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/manifests/<digest>", digest=d.manifests[3].digest))
        expect_err_nil(err)
        expect_status(resp, (404, 200))

    @s.specify("GET request to tags list should reflect manifest deletion")
    def management_tags_after_delete():
        rt.skip_if_disabled(CONTENT_MANAGEMENT)
        resp, err = c.do(c.new_request("GET", "/v2/<name>/tags/list"))
        expect_err_nil(err)
        expect_status(resp, (200,))
        n = tag_count(resp)
        expect_true(n < st["num_tags"], "Expected\n    <int>: %d\nto be < %d" % (n, st["num_tags"]))

    s.context("Blob delete")

    @s.specify("DELETE request to blob URL should yield 202 response")
    def management_delete_blobs():
        rt.skip_if_disabled(CONTENT_MANAGEMENT)
        rt.run_only_if(cfg.run_content_management_setup)
        # config blob
        resp, err = c.do(c.new_request("DELETE", "/v2/<name>/blobs/<digest>", digest=d.configs[3].digest))
        expect_err_nil(err)
        expect_status(resp, (202, 404, 405))
        # layer blob
        resp, err = c.do(c.new_request("DELETE", "/v2/<name>/blobs/<digest>", digest=d.layer_blob_digest))
        expect_err_nil(err)
        expect_status(resp, (202, 404, 405))
        if resp.status_code() == 405:
            st["blob_delete_allowed"] = False

    @s.specify("GET request to deleted blob URL should yield 404 response")
    def management_get_deleted_blob():
        rt.skip_if_disabled(CONTENT_MANAGEMENT)
        rt.run_only_if(cfg.run_content_management_setup)
        rt.run_only_if(st["blob_delete_allowed"])
        resp, err = c.do(c.new_request("GET", "/v2/<name>/blobs/<digest>", digest=d.configs[3].digest))
        expect_err_nil(err)
        expect_status(resp, (404,))

    s.context("Teardown")
    # No teardown required at this time for content management tests


# ---------------------------------------------------------------------------
# Runner, console output, reports (00_conformance_suite_test.go, reporter.go)
# ---------------------------------------------------------------------------


def build_suite(rt):
    s = Suite()
    register_pull(s, rt)
    register_push(s, rt)
    register_content_discovery(s, rt)
    register_content_management(s, rt)
    return s


def _excerpt_exchange(ex, limit=800):
    return ex.dump(limit=limit)


def run_suite(suite, rt, out=sys.stdout):
    cfg = rt.cfg
    start = time.time()
    for spec in suite.specs:
        hidden = cfg.hide_skipped_workflows and not (spec.flag & cfg.tests_to_run)
        rt.current = spec
        mark = len(rt.writer.captured)
        t0 = time.monotonic()
        try:
            spec.fn()
            spec.state = "passed"
        except SpecSkip as e:
            spec.state = "skipped"
            spec.message = str(e)
        except SpecFailure as e:
            spec.state = "failed"
            spec.message = str(e)
        except Exception as e:  # a Go panic inside a spec also fails it
            spec.state = "failed"
            spec.message = "[PANICKED] %s: %s\n%s" % (type(e).__name__, e, traceback.format_exc(limit=4))
        spec.elapsed = time.monotonic() - t0
        spec.exchanges = [x for x in rt.writer.captured[mark:] if isinstance(x, Exchange)]
        rt.current = None
        if hidden:
            continue
        label = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[spec.state]
        print("%s %s / %s / %s" % (label, spec.workflow, spec.context, spec.name), file=out, flush=True)
        if spec.state == "failed":
            print(_indent(spec.message, "    | "), file=out)
            if spec.exchanges:
                print("    | --- last HTTP exchange (%d in this spec) ---" % len(spec.exchanges), file=out)
                print(_indent(_excerpt_exchange(spec.exchanges[-1]), "    | "), file=out)
            out.flush()
    return time.time() - start


def _indent(text, prefix):
    return "\n".join(prefix + line for line in text.splitlines())


def summarize(suite, cfg, elapsed):
    lines = []
    total = len(suite.specs)
    counts = {k: sum(1 for s in suite.specs if s.state == k) for k in ("passed", "failed", "skipped")}
    lines.append("%s: ran %d of %d specs in %.2fs" % (SUITE_DESCRIPTION, total - counts["skipped"], total, elapsed))
    lines.append("%s -- %d Passed | %d Failed | %d Skipped" % (
        "SUCCESS!" if counts["failed"] == 0 else "FAIL!", counts["passed"], counts["failed"], counts["skipped"]))
    for wf in (TITLE_PULL, TITLE_PUSH, TITLE_CONTENT_DISCOVERY, TITLE_CONTENT_MANAGEMENT):
        specs = [s for s in suite.specs if s.workflow == wf]
        c = {k: sum(1 for s in specs if s.state == k) for k in ("passed", "failed", "skipped")}
        lines.append("  %-19s %2d specs: %2d passed, %2d failed, %2d skipped" % (
            wf, len(specs), c["passed"], c["failed"], c["skipped"]))
    failed = [s for s in suite.specs if s.state == "failed"]
    if failed:
        lines.append("Failed specs:")
        for s in failed:
            first = s.message.splitlines()[0] if s.message else ""
            lines.append("  [FAIL] %s / %s / %s -- %s" % (s.workflow, s.context, s.name, first))
    return "\n".join(lines)


def write_junit(path, suite, elapsed, started):
    counts = {k: sum(1 for s in suite.specs if s.state == k) for k in ("passed", "failed", "skipped")}
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '  <testsuites tests="%d" disabled="%d" errors="0" failures="%d" time="%.6f">' % (
               len(suite.specs), counts["skipped"], counts["failed"], elapsed),
           '      <testsuite name="conformance tests" package=%s tests="%d" disabled="0" skipped="%d" errors="0" '
           'failures="%d" time="%.6f" timestamp="%s">' % (
               quoteattr(os.path.dirname(os.path.abspath(__file__))), len(suite.specs), counts["skipped"],
               counts["failed"], elapsed, started)]
    for s in suite.specs:
        out.append('          <testcase name=%s classname="conformance tests" status="%s" time="%.6f">' % (
            quoteattr(s.full_name), s.state, s.elapsed))
        if s.state == "skipped":
            out.append('              <skipped message=%s></skipped>' % quoteattr("skipped - " + s.message))
        elif s.state == "failed":
            out.append('              <failure message=%s type="failed">%s</failure>' % (
                quoteattr(s.message), xml_escape(s.message)))
        log = "\n\n".join(x.dump() for x in s.exchanges)
        if s.warnings:
            log = "\n".join("WARNING: " + w for w in s.warnings) + ("\n\n" + log if log else "")
        if log:
            out.append('              <system-err>%s</system-err>' % xml_escape(_xml_safe(log)))
        out.append('          </testcase>')
    out += ['      </testsuite>', '  </testsuites>', '']
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def _xml_safe(text):
    return "".join(ch if ch in "\t\n\r" or ord(ch) >= 0x20 else "\\x%02x" % ord(ch) for ch in text)


def list_specs(suite):
    print("| # | Workflow | Context | Spec (upstream `g.Specify` text) | Python function |")
    print("|---|---|---|---|---|")
    for i, s in enumerate(suite.specs, 1):
        print("| %d | %s | %s | %s | `%s` |" % (i, s.workflow, s.context, s.name.replace("|", "\\|"), s.fn.__name__))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--list", action="store_true", help="print the spec table (markdown) and exit")
    ap.add_argument("--seed", type=int, default=None,
                    help="random seed for the generated blobs (default: $%s or the current time)" % ENV_SEED)
    args = ap.parse_args(argv)

    cfg = Config(os.environ)
    seed = args.seed
    if seed is None:
        seed = int(os.environ.get(ENV_SEED) or int(time.time()))
    writer = DebugWriter(cfg.debug)
    client = Client(cfg.root_url, cfg.namespace, cfg.username, cfg.password, cfg.auth_scope, writer, cfg.http_timeout)
    data = TestData(cfg, seed)
    rt = Runtime(cfg, data, client, writer)
    suite = build_suite(rt)
    if args.list:
        list_specs(suite)
        return 0

    started = datetime.datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
    print("Running Suite: %s (python port of distribution-spec v1.1.1 conformance), random seed %d" % (
        SUITE_DESCRIPTION, seed), flush=True)
    print("Registry %s, namespace %r, cross-mount namespace %r" % (
        cfg.root_url, cfg.namespace, cfg.crossmount_namespace), flush=True)
    elapsed = run_suite(suite, rt)
    client.close()
    summary = summarize(suite, cfg, elapsed)
    print(summary, flush=True)
    if cfg.report_dir:
        os.makedirs(cfg.report_dir, exist_ok=True)
        write_junit(os.path.join(cfg.report_dir, "junit.xml"), suite, elapsed, started)
        with open(os.path.join(cfg.report_dir, "summary.txt"), "w", encoding="utf-8") as f:
            f.write(summary + "\n")
        print("JUnit report: %s" % os.path.join(cfg.report_dir, "junit.xml"), flush=True)
    return 1 if any(s.state == "failed" for s in suite.specs) else 0


if __name__ == "__main__":
    sys.exit(main())
