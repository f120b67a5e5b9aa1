package main

// refsumdb: Go's reference checksum database (golang.org/x/mod/sumdb.NewServer) over a fixed,
// preloaded set of records, on 127.0.0.1 (port 0 unless -addr says otherwise).
//
// Endpoints, relative to the base URL given in GOSUMDB:
//
//	/latest                       signed tree head (note)
//	/lookup/<path>@<version>      record + signed tree head
//	/tile/<H>/<L>/<N>[.p/<W>]     hash tiles; /tile/<H>/data/... record tiles
//
// The same endpoints are also served under /sumdb/<name>/, with /sumdb/<name>/supported (200),
// so the server also acts as a proxy for the database. With -proxy DIR every other path is
// served from DIR: the server is then also a GOPROXY for a tree written by mkproxy.
//
// Records are separated by blank lines; a record whose first line is "PATH VERSION h1:..." can be
// looked up, any other record (lockproof's own kinds) is only logged.
//
// Tamper modes (negative tests):
//
//	wronghash=PATH@VER  log a record whose zip hash is wrong (tree and signature stay valid:
//	                    a consistently lying log)
//	lookuplie=PATH@VER  log the honest record but answer /lookup for it with a modified record
//	                    (the inclusion proof must fail)
//	badsig              sign the tree head with a different key of the same name
//
// Padding with synthetic, well-formed filler records (example.net/pad/<kind>NNNN v1.0.0):
// -pad N logs N fillers before the real records (so they sit beyond the first 256-entry tile),
// -spread N spreads N fillers evenly before and between them (a big tree with real records at
// scattered indexes), -tailpad N appends N after them (to grow a tree across a tile boundary).

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// lookupCtx marks a request for /lookup/, the only one a lookuplie server lies to.
type lookupCtx struct{}

// ops is a fixed, preloaded log for sumdb.NewServer.
type ops struct {
	records [][]byte
	hashes  hashes
	lookup  map[string]int64
	lie     map[int64][]byte // id -> record served by /lookup instead of the logged one
	signed  []byte
}

type hashes []tlog.Hash

func (h hashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, 0, len(indexes))
	for _, i := range indexes {
		if i < 0 || i >= int64(len(h)) {
			return nil, os.ErrNotExist
		}
		out = append(out, h[i])
	}
	return out, nil
}

func (o *ops) Signed(ctx context.Context) ([]byte, error) { return o.signed, nil }

func (o *ops) ReadRecords(ctx context.Context, id, n int64) ([][]byte, error) {
	if id < 0 || n < 0 || id+n > int64(len(o.records)) {
		return nil, os.ErrNotExist
	}
	out := append([][]byte(nil), o.records[id:id+n]...)
	if ctx.Value(lookupCtx{}) != nil && n == 1 {
		if body, ok := o.lie[id]; ok {
			out[0] = body
		}
	}
	return out, nil
}

func (o *ops) Lookup(ctx context.Context, m module.Version) (int64, error) {
	id, ok := o.lookup[m.Path+"@"+m.Version]
	if !ok {
		return 0, os.ErrNotExist // -> 404 "file does not exist"
	}
	return id, nil
}

func (o *ops) ReadTileData(ctx context.Context, t tlog.Tile) ([]byte, error) {
	// Refuse tiles that are not fully covered by the tree.
	if t.L >= 0 {
		last := (t.N<<uint(t.H) + int64(t.W)) << uint(t.H*t.L)
		if last > int64(len(o.records)) {
			return nil, os.ErrNotExist
		}
	}
	return tlog.ReadTileData(t, o.hashes)
}

// parseRecords splits a file into records separated by blank lines.
func parseRecords(data []byte) [][]byte {
	var out [][]byte
	for _, block := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n\n") {
		block = strings.Trim(block, "\n")
		if block != "" {
			out = append(out, []byte(block+"\n"))
		}
	}
	return out
}

// goKey returns "PATH@VERSION" for a Go module record, or "" for any other record.
func goKey(rec []byte) string {
	f := strings.Fields(strings.SplitN(string(rec), "\n", 2)[0])
	if len(f) == 3 && strings.HasPrefix(f[2], "h1:") {
		return f[0] + "@" + f[1]
	}
	return ""
}

// padRecord returns a synthetic, well-formed Go record for filler module i of a kind.
func padRecord(kind string, i int) []byte {
	p := fmt.Sprintf("example.net/pad/%s%04d", kind, i)
	h1 := sha256.Sum256([]byte(p + " zip"))
	h2 := sha256.Sum256([]byte(p + " go.mod"))
	return []byte(fmt.Sprintf("%s v1.0.0 h1:%s\n%s v1.0.0/go.mod h1:%s\n", p,
		base64.StdEncoding.EncodeToString(h1[:]), p, base64.StdEncoding.EncodeToString(h2[:])))
}

// withPadding returns the records to log: pad fillers, then the real records with spread
// fillers evenly before and between them (the rest after), then tailpad fillers.
func withPadding(real [][]byte, pad, spread, tailPad int) [][]byte {
	all := make([][]byte, 0, pad+len(real)+spread+tailPad)
	for i := 0; i < pad; i++ {
		all = append(all, padRecord("p", i))
	}
	per, next := spread/(len(real)+1), 0
	for _, r := range real {
		for i := 0; i < per; i++ {
			all = append(all, padRecord("s", next))
			next++
		}
		all = append(all, r)
	}
	for ; next < spread; next++ {
		all = append(all, padRecord("s", next))
	}
	for i := 0; i < tailPad; i++ {
		all = append(all, padRecord("t", i))
	}
	return all
}

// corruptZipHash replaces the h1: hash on the first (zip) line of a Go record with another,
// well-formed one.
func corruptZipHash(rec []byte) []byte {
	lines := strings.SplitN(string(rec), "\n", 2)
	f := strings.Fields(lines[0])
	sum := sha256.Sum256([]byte("tampered:" + f[2]))
	f[2] = "h1:" + base64.StdEncoding.EncodeToString(sum[:])
	return []byte(strings.Join(f, " ") + "\n" + lines[1])
}

// statusWriter remembers the status and size of a response, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += n
	return n, err
}

func isSumdbPath(p string) bool {
	return p == "/latest" || strings.HasPrefix(p, "/lookup/") || strings.HasPrefix(p, "/tile/")
}

func refsumdb(args []string) {
	fs := flag.NewFlagSet("refsumdb", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	addrFile := fs.String("addrfile", "", "write the bound host:port here")
	skeyFile := fs.String("skey", "", "signer key file")
	recordsFile := fs.String("records", "", "records file (records separated by blank lines)")
	logFile := fs.String("log", "", `append "METHOD PATH STATUS BYTES" per request here`)
	proxyDir := fs.String("proxy", "", "also serve this directory as a GOPROXY")
	tamper := fs.String("tamper", "", "wronghash=PATH@VER | lookuplie=PATH@VER | badsig")
	pad := fs.Int("pad", 0, "log this many filler records before the real ones")
	spread := fs.Int("spread", 0, "log this many filler records spread evenly among the real ones")
	tailPad := fs.Int("tailpad", 0, "log this many filler records after the real ones")
	fs.Parse(args)

	skey, err := os.ReadFile(*skeyFile)
	must(err)
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	must(err)
	name := signer.Name()
	data, err := os.ReadFile(*recordsFile)
	must(err)
	mode, target, _ := strings.Cut(*tamper, "=")
	switch {
	case *tamper == "", *tamper == "badsig":
	case (mode == "wronghash" || mode == "lookuplie") && strings.Contains(target, "@"):
	default:
		log.Fatalf("unknown tamper mode %q", *tamper)
	}

	o := &ops{lookup: map[string]int64{}, lie: map[int64][]byte{}}
	for _, rec := range withPadding(parseRecords(data), *pad, *spread, *tailPad) {
		id := int64(len(o.records))
		key := goKey(rec)
		if key != "" {
			if mode == "wronghash" && key == target {
				rec = corruptZipHash(rec)
			}
			if mode == "lookuplie" && key == target {
				o.lie[id] = corruptZipHash(rec)
			}
			o.lookup[key] = id
		}
		o.records = append(o.records, rec)
		hs, err := tlog.StoredHashes(id, rec, o.hashes)
		must(err)
		o.hashes = append(o.hashes, hs...)
	}
	size := int64(len(o.records))
	th, err := tlog.TreeHash(size, o.hashes)
	must(err)
	signWith := signer
	if *tamper == "badsig" {
		other, _, err := note.GenerateKey(rand.Reader, name)
		must(err)
		signWith, err = note.NewSigner(other)
		must(err)
	}
	tree := tlog.FormatTree(tlog.Tree{N: size, Hash: th})
	o.signed, err = note.Sign(&note.Note{Text: string(tree)}, signWith)
	must(err)

	var mu sync.Mutex
	var logOut io.Writer = io.Discard
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		must(err)
		logOut = f
	}
	var files http.Handler
	if *proxyDir != "" {
		files = http.FileServer(http.Dir(*proxyDir))
	}
	srv := sumdb.NewServer(o)
	prefix := "/sumdb/" + name
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			mu.Lock()
			fmt.Fprintf(logOut, "%s %s %d %d\n", r.Method, r.URL.Path, sw.status, sw.n)
			mu.Unlock()
		}()
		p := r.URL.Path
		if strings.HasPrefix(p, prefix+"/") {
			p = strings.TrimPrefix(p, prefix)
			if p == "/supported" {
				sw.WriteHeader(http.StatusOK)
				return
			}
		} else if files != nil && !isSumdbPath(p) {
			files.ServeHTTP(sw, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = p
		if strings.HasPrefix(p, "/lookup/") {
			r2 = r2.WithContext(context.WithValue(r2.Context(), lookupCtx{}, true))
		}
		srv.ServeHTTP(sw, r2)
	})
	ln, err := net.Listen("tcp", *addr)
	must(err)
	bound := ln.Addr().String()
	if *addrFile != "" {
		must(os.WriteFile(*addrFile+".tmp", []byte(bound+"\n"), 0o644))
		must(os.Rename(*addrFile+".tmp", *addrFile))
	}
	fmt.Fprintf(os.Stderr, "gotest refsumdb: name=%s records=%d tree=%s tamper=%q listening on http://%s\n",
		name, size, bytes.ReplaceAll(bytes.TrimSpace(tree), []byte("\n"), []byte(" ")), *tamper, bound)
	log.Fatal(http.Serve(ln, h))
}
