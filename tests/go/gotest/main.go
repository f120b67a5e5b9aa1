// Command gotest is lockproof's Go test helper: key generation, a file:// GOPROXY builder and
// the reference checksum database (golang.org/x/mod/sumdb.NewServer), all offline.
package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
	modzip "golang.org/x/mod/zip"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: gotest genkey|mkproxy|refsumdb [flags]")
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "genkey":
		genkey(args)
	case "mkproxy":
		mkproxy(args)
	case "refsumdb":
		refsumdb(args)
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}

// seedReader returns the same 32 bytes forever, making note.GenerateKey deterministic.
type seedReader struct{ seed []byte }

func (r seedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.seed[i%len(r.seed)]
	}
	return len(p), nil
}

func genkey(args []string) {
	fs := flag.NewFlagSet("genkey", flag.ExitOnError)
	name := fs.String("name", "", "key name")
	seedHex := fs.String("seed", "", "32-byte seed, hex")
	skeyFile := fs.String("skey", "", "write the signer key here")
	vkeyFile := fs.String("vkey", "", "write the verifier key here")
	fs.Parse(args)
	seed, err := hex.DecodeString(*seedHex)
	if err != nil || len(seed) != 32 {
		log.Fatalf("-seed must be 64 hex digits")
	}
	skey, vkey, err := note.GenerateKey(seedReader{seed}, *name)
	if err != nil {
		log.Fatal(err)
	}
	must(os.WriteFile(*skeyFile, []byte(skey+"\n"), 0o600))
	must(os.WriteFile(*vkeyFile, []byte(vkey+"\n"), 0o644))
}

func mkproxy(args []string) {
	fs := flag.NewFlagSet("mkproxy", flag.ExitOnError)
	out := fs.String("out", "", "proxy directory")
	recordsFile := fs.String("records", "", "append records here")
	fs.Parse(args)
	var records []string
	for _, arg := range fs.Args() {
		spec, src, ok := strings.Cut(arg, "=")
		path, vers, ok2 := strings.Cut(spec, "@")
		if !ok || !ok2 {
			log.Fatalf("bad argument %q (want path@version=srcdir)", arg)
		}
		m := module.Version{Path: path, Version: vers}
		must(module.Check(path, vers))
		rec, err := addModule(*out, m, src)
		if err != nil {
			log.Fatalf("%s: %v", m, err)
		}
		records = append(records, rec)
	}
	f, err := os.OpenFile(*recordsFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	must(err)
	st, err := f.Stat()
	must(err)
	for i, r := range records {
		if i > 0 || st.Size() > 0 {
			r = "\n" + r
		}
		_, err := f.WriteString(r)
		must(err)
	}
	must(f.Close())
}

func addModule(out string, m module.Version, src string) (string, error) {
	escPath, err := module.EscapePath(m.Path)
	if err != nil {
		return "", err
	}
	escVers, err := module.EscapeVersion(m.Version)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(out, filepath.FromSlash(escPath), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(dir, escVers)
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".mod", gomod, 0o644); err != nil {
		return "", err
	}
	info, _ := json.Marshal(map[string]string{"Version": m.Version, "Time": "2024-01-01T00:00:00Z"})
	if err := os.WriteFile(base+".info", append(info, '\n'), 0o644); err != nil {
		return "", err
	}
	zf, err := os.Create(base + ".zip")
	if err != nil {
		return "", err
	}
	if err := modzip.CreateFromDir(zf, m, src); err != nil {
		zf.Close()
		return "", err
	}
	if err := zf.Close(); err != nil {
		return "", err
	}
	if err := writeList(dir); err != nil {
		return "", err
	}
	zipSum, err := dirhash.HashZip(base+".zip", dirhash.Hash1)
	if err != nil {
		return "", err
	}
	modSum, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gomod)), nil
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", m.Path, m.Version, zipSum, m.Path, m.Version, modSum), nil
}

func writeList(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var vers []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".info") {
			if uv, err := module.UnescapeVersion(strings.TrimSuffix(e.Name(), ".info")); err == nil {
				vers = append(vers, uv)
			}
		}
	}
	sort.Slice(vers, func(i, j int) bool { return semver.Compare(vers[i], vers[j]) < 0 })
	return os.WriteFile(filepath.Join(dir, "list"), []byte(strings.Join(vers, "\n")+"\n"), 0o644)
}

// ops is a fixed, preloaded log for sumdb.NewServer.
type ops struct {
	records [][]byte
	hashes  hashes
	lookup  map[string]int64
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
	return o.records[id : id+n], nil
}

func (o *ops) Lookup(ctx context.Context, m module.Version) (int64, error) {
	id, ok := o.lookup[m.Path+"@"+m.Version]
	if !ok {
		return 0, os.ErrNotExist
	}
	return id, nil
}

func (o *ops) ReadTileData(ctx context.Context, t tlog.Tile) ([]byte, error) {
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
	for _, block := range strings.Split(string(data), "\n\n") {
		block = strings.Trim(block, "\n")
		if block != "" {
			out = append(out, []byte(block+"\n"))
		}
	}
	return out
}

func refsumdb(args []string) {
	fs := flag.NewFlagSet("refsumdb", flag.ExitOnError)
	skeyFile := fs.String("skey", "", "signer key file")
	recordsFile := fs.String("records", "", "records file")
	addrFile := fs.String("addrfile", "", "write host:port here")
	logFile := fs.String("log", "", "append one line per request here")
	fs.Parse(args)
	skey, err := os.ReadFile(*skeyFile)
	must(err)
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	must(err)
	data, err := os.ReadFile(*recordsFile)
	must(err)
	o := &ops{lookup: map[string]int64{}}
	for _, rec := range parseRecords(data) {
		id := int64(len(o.records))
		f := strings.Fields(strings.SplitN(string(rec), "\n", 2)[0])
		if len(f) == 3 && strings.HasPrefix(f[2], "h1:") {
			o.lookup[f[0]+"@"+f[1]] = id
		}
		o.records = append(o.records, rec)
		hs, err := tlog.StoredHashes(id, rec, o.hashes)
		must(err)
		o.hashes = append(o.hashes, hs...)
	}
	size := int64(len(o.records))
	th, err := tlog.TreeHash(size, o.hashes)
	must(err)
	o.signed, err = note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: size, Hash: th}))}, signer)
	must(err)

	var mu sync.Mutex
	var logOut io.Writer = io.Discard
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		must(err)
		logOut = f
	}
	srv := sumdb.NewServer(o)
	prefix := "/sumdb/" + signer.Name()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fmt.Fprintf(logOut, "%s %s\n", r.Method, r.URL.Path)
		mu.Unlock()
		if strings.HasPrefix(r.URL.Path, prefix+"/") {
			p := strings.TrimPrefix(r.URL.Path, prefix)
			if p == "/supported" {
				w.WriteHeader(http.StatusOK)
				return
			}
			r2 := r.Clone(r.Context())
			r2.URL.Path = p
			r = r2
		}
		srv.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	must(os.WriteFile(*addrFile+".tmp", []byte(ln.Addr().String()+"\n"), 0o644))
	must(os.Rename(*addrFile+".tmp", *addrFile))
	log.Fatal(http.Serve(ln, h))
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
