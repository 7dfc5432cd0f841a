#!/usr/bin/env python3
"""Registry consistency check and layout closure (stdlib only), for crash.sh.

  consistency.py check URL [--cacert F] [--user U:P] --layout DIR [--expect REPO:TAG=DIGEST]...
      Walks the whole registry through the API: the catalog (all pages), the
      tags of every repository listed (tags/list must answer 200), every tag's
      manifest (Docker-Content-Digest and Content-Type must match the body),
      the children of every index, and every config and layer blob (each must
      hash to its digest). Then every --expect tag must resolve to DIGEST with
      the bytes of the layout's blob. Exit 1 with one line per problem.

  consistency.py closure --layout DIR DIGEST...
      Prints "<digest> manifest|blob" for the given manifests and everything
      they reference (index children, configs, layers), from the layout.
"""
import argparse
import base64
import hashlib
import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layout_blob(layout, digest):
    return os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1])


def closure(layout, digests):
    out = {}

    def walk(d):
        if d in out:
            return
        with open(layout_blob(layout, d), "rb") as f:
            m = json.load(f)
        out[d] = "manifest"
        for c in m.get("manifests", []):
            walk(c["digest"])
        if "config" in m:
            out.setdefault(m["config"]["digest"], "blob")
            for layer in m.get("layers", []):
                out.setdefault(layer["digest"], "blob")

    for d in digests:
        walk(d)
    return out


class Client:
    def __init__(self, base, cacert, user):
        self.base = base.rstrip("/")
        self.ctx = ssl.create_default_context(cafile=cacert) if cacert else None
        self.auth = "Basic " + base64.b64encode(user.encode()).decode() if user else None
        self.requests = 0

    def get(self, path, accept=None):
        url = path if path.startswith("http") else self.base + path
        req = urllib.request.Request(url)
        if accept:
            req.add_header("Accept", accept)
        if self.auth:
            req.add_header("Authorization", self.auth)
        self.requests += 1
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()


def check(args):
    c = Client(args.url, args.cacert, args.user)
    problems = []
    bad = problems.append

    repos, path = [], "/v2/_catalog"
    while path:
        st, h, body = c.get(path)
        if st != 200:
            bad(f"GET {path}: {st} {body[:200]!r}")
            break
        repos += json.loads(body).get("repositories") or []
        link = h.get("Link")
        path = link.split(";")[0].strip().strip("<>") if link else None
    expected = {}
    for e in args.expect:
        ref, digest = e.rsplit("=", 1)
        repo, tag = ref.rsplit(":", 1)
        expected[(repo, tag)] = digest
        if repo not in repos:
            bad(f"catalog misses {repo} (catalog: {repos})")

    verified_blobs = set()
    ntags = 0

    def check_manifest(repo, ref, where):
        st, h, body = c.get(f"/v2/{repo}/manifests/{ref}", ACCEPT)
        if st != 200:
            bad(f"{where}: GET manifest {repo}:{ref} -> {st} {body[:200]!r}")
            return None
        d = sha(body)
        if h.get("Docker-Content-Digest") != d:
            bad(f"{where}: {repo}:{ref} Docker-Content-Digest {h.get('Docker-Content-Digest')} != body digest {d}")
        try:
            m = json.loads(body)
        except ValueError:
            bad(f"{where}: {repo}:{ref} body is not JSON")
            return None
        mt = m.get("mediaType")
        if mt and (h.get("Content-Type") or "").split(";")[0] != mt:
            bad(f"{where}: {repo}:{ref} Content-Type {h.get('Content-Type')} != mediaType {mt}")
        for child in m.get("manifests", []):
            cm = check_manifest(repo, child["digest"], f"{where} -> child")
            if cm is not None and cm[0] != child["digest"]:
                bad(f"{where}: child {child['digest']} of {repo}:{ref} has digest {cm[0]}")
        if "config" in m:
            for b in [m["config"]] + m.get("layers", []):
                key = (repo, b["digest"])
                if key in verified_blobs:
                    continue
                st, _, data = c.get(f"/v2/{repo}/blobs/{b['digest']}")
                if st != 200:
                    bad(f"{where}: blob {b['digest']} of {repo}:{ref} -> {st}")
                elif sha(data) != b["digest"]:
                    bad(f"{where}: blob {b['digest']} of {repo}:{ref} hashes to {sha(data)}")
                else:
                    verified_blobs.add(key)
        return d, body

    for repo in repos:
        st, _, body = c.get(f"/v2/{repo}/tags/list")
        if st != 200:
            bad(f"repository {repo} is in the catalog but GET tags/list -> {st} {body[:200]!r}")
            continue
        tags = json.loads(body).get("tags") or []
        for tag in tags:
            ntags += 1
            r = check_manifest(repo, tag, f"{repo}:{tag} (from tags/list)")
            if r and (repo, tag) in expected and r[0] != expected[(repo, tag)]:
                bad(f"{repo}:{tag} is {r[0]}, expected {expected[(repo, tag)]}")
        for (erepo, etag) in expected:
            if erepo == repo and etag not in tags:
                bad(f"tags/list of {repo} misses {etag}: {tags}")

    for (repo, tag), digest in expected.items():
        r = check_manifest(repo, tag, f"expected {repo}:{tag}")
        if r is None:
            continue
        with open(layout_blob(args.layout, digest), "rb") as f:
            if r[1] != f.read():
                bad(f"{repo}:{tag}: manifest bytes differ from the pushed ones")
        for d, kind in closure(args.layout, [digest]).items():
            if kind == "blob" and (repo, d) not in verified_blobs:
                bad(f"{repo}:{tag}: blob {d} was not verified")

    for p in problems:
        print("INCONSISTENT:", p)
    print(f"{len(repos)} repositories, {ntags} tags, {len(verified_blobs)} repository blobs verified, "
          f"{len(expected)} expected tags, {c.requests} requests, {len(problems)} problems")
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("check")
    a.add_argument("url")
    a.add_argument("--cacert")
    a.add_argument("--user")
    a.add_argument("--layout", required=True)
    a.add_argument("--expect", action="append", default=[])
    b = sub.add_parser("closure")
    b.add_argument("--layout", required=True)
    b.add_argument("digests", nargs="+")
    args = ap.parse_args()
    if args.cmd == "check":
        sys.exit(check(args))
    for d, kind in sorted(closure(args.layout, args.digests).items()):
        print(d, kind)


if __name__ == "__main__":
    main()
