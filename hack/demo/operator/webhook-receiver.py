#!/usr/bin/env python3
"""The demo's deployment-notification receiver: prints each webhook the operator sends and
checks its X-JustDriving-Signature (HMAC-SHA256 over the body with the shared key).
usage: webhook-receiver.py PORT KEY"""
import hashlib
import hmac
import http.server
import json
import sys

PORT, KEY = int(sys.argv[1]), sys.argv[2].encode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        want = "sha256=" + hmac.new(KEY, body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, self.headers.get("X-JustDriving-Signature", ""))
        try:
            event = json.loads(body)
            line = f"{event.get('release')} {event.get('version')} -> {event.get('outcome')}"
            if event.get("reason"):
                line += f" ({event['reason']})"
        except ValueError:
            line = body.decode(errors="replace")
        print(f"webhook: {line}  [signature {'valid' if ok else 'INVALID'}]", flush=True)
        self.send_response(200 if ok else 401)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
