package main

// client: looks every PATH@VERSION up with Go's own sumdb.Client (8 at a time; cold unless -dir
// is reused) against the checksum database at -url, and prints "requests N" and "seconds S".
// Any lookup or security error is fatal.

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb"
)

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
	must(os.MkdirAll(filepath.Dir(p), 0o755))
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
	must(os.MkdirAll(filepath.Join(*dir, "config", name), 0o755))
	keyPath := filepath.Join(*dir, "config", "key")
	must(os.WriteFile(keyPath, []byte(*vkey), 0o644))
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
