// Command verifyref is the Go side of lockproof's verify tests and benchmarks, built offline
// on Debian's golang.org/x/mod (golang-golang-x-mod-dev):
//
//	verifyref serve  -skey F -records F -addrfile F [-log F] [-pad N] [-tamper wronghash=PATH@VERSION]
//	    Go's reference checksum database (sumdb.NewServer) over the records in F (each record
//	    followed by a blank line), on 127.0.0.1 with an OS-chosen port written to -addrfile.
//	    wronghash=P@V logs a wrong module-zip hash for P@V, consistently signed: the log itself
//	    lies about that module.
//	verifyref client -vkey V -url U -dir D PATH@VERSION...
//	    Looks every module up with Go's own sumdb.Client (cold unless D is reused) and prints
//	    "requests N" and "seconds S".
//
// Build: GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local go build -o BIN .
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	log.SetFlags(0)
	if len(os.Args) < 2 {
		log.Fatal("usage: verifyref serve|client ...")
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2:])
	case "client":
		client(os.Args[2:])
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}

// refLog is a fixed, preloaded log behind sumdb.ServerOps.
type refLog struct {
	records [][]byte
	hashes  []tlog.Hash // stored hashes, tlog layout
	index   map[string]int64
	signed  []byte
}

func (l *refLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(l.hashes)) {
			return nil, fmt.Errorf("hash %d out of range", x)
		}
		out[i] = l.hashes[x]
	}
	return out, nil
}

func (l *refLog) Signed(ctx context.Context) ([]byte, error) { return l.signed, nil }

func (l *refLog) ReadRecords(ctx context.Context, id, n int64) ([][]byte, error) {
	if id < 0 || id+n > int64(len(l.records)) {
		return nil, errors.New("records out of range")
	}
	return l.records[id : id+n], nil
}

func (l *refLog) Lookup(ctx context.Context, m module.Version) (int64, error) {
	id, ok := l.index[m.Path+"@"+m.Version]
	if !ok {
		return 0, os.ErrNotExist
	}
	return id, nil
}

func (l *refLog) ReadTileData(ctx context.Context, t tlog.Tile) ([]byte, error) {
	return tlog.ReadTileData(t, l)
}

func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	skey := fs.String("skey", "", "signer key file")
	recordsFile := fs.String("records", "", "records file")
	addrFile := fs.String("addrfile", "", "write host:port here")
	logFile := fs.String("log", "", "append one line per request here")
	tamper := fs.String("tamper", "", "wronghash=PATH@VERSION")
	pad := fs.Int("pad", 0, "interleave this many filler records with the real ones")
	fs.Parse(args)

	keyText, err := os.ReadFile(*skey)
	check(err)
	signer, err := note.NewSigner(strings.TrimSpace(string(keyText)))
	check(err)
	data, err := os.ReadFile(*recordsFile)
	check(err)
	wrong := strings.TrimPrefix(*tamper, "wronghash=")
	if *tamper != "" && wrong == *tamper {
		log.Fatalf("unknown tamper mode %q", *tamper)
	}

	l := &refLog{index: map[string]int64{}}
	var recs []string
	for _, rec := range strings.Split(string(data), "\n\n") {
		if rec = strings.TrimSpace(rec); rec != "" {
			recs = append(recs, rec+"\n")
		}
	}
	recs = interleave(recs, *pad)
	for _, rec := range recs {
		f := strings.Fields(rec)
		if len(f) < 3 {
			log.Fatalf("bad record %q", rec)
		}
		key := f[0] + "@" + f[1]
		if key == wrong {
			// Change the zip hash's first base64 character: a different, well-formed h1 hash.
			i := strings.Index(rec, " h1:") + 4
			c := byte('A')
			if rec[i] == 'A' {
				c = 'B'
			}
			rec = rec[:i] + string(c) + rec[i+1:]
		}
		id := int64(len(l.records))
		hashes, err := tlog.StoredHashes(id, []byte(rec), l)
		check(err)
		l.hashes = append(l.hashes, hashes...)
		l.records = append(l.records, []byte(rec))
		l.index[key] = id
	}
	size := int64(len(l.records))
	root, err := tlog.TreeHash(size, l)
	check(err)
	l.signed, err = note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: size, Hash: root}))}, signer)
	check(err)

	srv := sumdb.NewServer(l)
	var reqLog io.Writer = io.Discard
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		check(err)
		reqLog = f
	}
	var mu sync.Mutex
	mux := http.NewServeMux()
	prefix := "/sumdb/" + signer.Name()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fmt.Fprintf(reqLog, "%s %s\n", r.Method, r.URL.Path)
		mu.Unlock()
		if strings.HasPrefix(r.URL.Path, prefix+"/") {
			r.URL.Path = strings.TrimPrefix(r.URL.Path, prefix)
		}
		srv.ServeHTTP(w, r)
	})
	mux.Handle("/", handler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	check(os.WriteFile(*addrFile+".tmp", []byte(ln.Addr().String()), 0o644))
	check(os.Rename(*addrFile+".tmp", *addrFile))
	check(http.Serve(ln, mux))
}

// interleave spreads n filler records evenly before the real ones (a big tree whose real
// records sit at realistic, scattered indexes).
func interleave(real []string, n int) []string {
	if n == 0 {
		return real
	}
	out := make([]string, 0, len(real)+n)
	per := n / (len(real) + 1)
	next := 0
	filler := func() {
		sum := sha256.Sum256([]byte(fmt.Sprint(next)))
		h := base64.StdEncoding.EncodeToString(sum[:])
		out = append(out, fmt.Sprintf("pad.example/m%d v1.0.0 h1:%s\npad.example/m%d v1.0.0/go.mod h1:%s\n", next, h, next, h))
		next++
	}
	for _, r := range real {
		for i := 0; i < per; i++ {
			filler()
		}
		out = append(out, r)
	}
	for next < n {
		filler()
	}
	return out
}

// clientOps is sumdb.ClientOps over HTTP with config and cache in a directory.
type clientOps struct {
	url      string
	dir      string
	requests int64
	http     *http.Client
}

func (c *clientOps) ReadRemote(path string) ([]byte, error) {
	atomic.AddInt64(&c.requests, 1)
	resp, err := c.http.Get(c.url + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return body, nil
}

func (c *clientOps) ReadConfig(file string) ([]byte, error) {
	if strings.HasSuffix(file, "/latest") {
		b, err := os.ReadFile(filepath.Join(c.dir, "config", file))
		if os.IsNotExist(err) {
			return nil, nil
		}
		return b, err
	}
	return os.ReadFile(filepath.Join(c.dir, "config", file))
}

func (c *clientOps) WriteConfig(file string, old, new []byte) error {
	p := filepath.Join(c.dir, "config", file)
	cur, _ := os.ReadFile(p)
	if !bytes.Equal(cur, old) {
		return sumdb.ErrWriteConflict
	}
	check(os.MkdirAll(filepath.Dir(p), 0o755))
	return os.WriteFile(p, new, 0o644)
}

func (c *clientOps) ReadCache(file string) ([]byte, error) {
	return os.ReadFile(filepath.Join(c.dir, "cache", file))
}

func (c *clientOps) WriteCache(file string, data []byte) {
	p := filepath.Join(c.dir, "cache", file)
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, data, 0o644)
}

func (c *clientOps) Log(msg string)           {}
func (c *clientOps) SecurityError(msg string) { log.Fatal(msg) }

func client(args []string) {
	fs := flag.NewFlagSet("client", flag.ExitOnError)
	vkey := fs.String("vkey", "", "verifier key")
	url := fs.String("url", "", "server base URL")
	dir := fs.String("dir", "", "config and cache directory")
	fs.Parse(args)
	ops := &clientOps{url: strings.TrimSuffix(*url, "/"), dir: *dir, http: &http.Client{Timeout: 30 * time.Second}}
	name := strings.SplitN(*vkey, "+", 2)[0]
	check(os.MkdirAll(filepath.Join(*dir, "config", name), 0o755))
	keyPath := filepath.Join(*dir, "config", "key")
	check(os.WriteFile(keyPath, []byte(*vkey), 0o644))
	c := sumdb.NewClient(ops)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(fs.Args()))
	sem := make(chan struct{}, 8)
	for _, mv := range fs.Args() {
		at := strings.LastIndex(mv, "@")
		path, version := mv[:at], mv[at+1:]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if _, err := c.Lookup(path, version); err != nil {
				errs <- fmt.Errorf("%s@%s: %v", path, version, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		log.Fatal(err)
	}
	fmt.Printf("requests %d\nseconds %.6f\n", atomic.LoadInt64(&ops.requests), time.Since(start).Seconds())
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
