// Package blobstore keeps evidence contents in object storage when
// MAMORI_BLOB_URL is set: s3://bucket?endpoint=…&region=… for any
// S3-compatible store, or file:///path for a shared volume. It is a thin
// wrapper over gocloud.dev/blob, which does the protocols; Mamori only
// names the objects (keys that never derive from a file's name) and
// streams them.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:///path
	_ "gocloud.dev/blob/s3blob"   // s3://bucket?endpoint=…&region=…
	"gocloud.dev/gcerrors"
)

// Bucket is an open bucket.
type Bucket struct {
	b *blob.Bucket
}

// Open opens the bucket a URL names and checks that it answers.
func Open(ctx context.Context, url string) (*Bucket, error) {
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("blobstore: open %s: %w", redact(url), err)
	}
	if _, err := b.IsAccessible(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("blobstore: %s is not accessible: %w", redact(url), err)
	}
	return &Bucket{b: b}, nil
}

// redact keeps a URL's scheme and bucket for messages (its query may hold
// an endpoint with credentials).
func redact(url string) string {
	for i := 0; i < len(url); i++ {
		if url[i] == '?' {
			return url[:i] + "?…"
		}
	}
	return url
}

// Close releases the bucket.
func (b *Bucket) Close() error { return b.b.Close() }

// Put writes r under key. A failure (of r too) leaves no object: the write
// is aborted, never completed with part of the contents.
func (b *Bucket) Put(ctx context.Context, key string, r io.Reader) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.b.NewWriter(wctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("blobstore: put %s: %w", key, err)
	}
	if _, err := io.Copy(w, r); err != nil {
		cancel() // abort: Close then discards what was written
		_ = w.Close()
		return fmt.Errorf("blobstore: put %s: %w", key, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("blobstore: put %s: %w", key, err)
	}
	return nil
}

// ErrNotFound is the error of an object that does not exist.
var ErrNotFound = errors.New("blobstore: object not found")

// Open reads key from offset off to its end.
func (b *Bucket) Open(ctx context.Context, key string, off int64) (io.ReadCloser, error) {
	r, err := b.b.NewRangeReader(ctx, key, off, -1, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		return nil, fmt.Errorf("blobstore: open %s: %w", key, err)
	}
	return r, nil
}

// Delete removes key; a key that is already gone is no error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := b.b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("blobstore: delete %s: %w", key, err)
	}
	return nil
}

// List calls fn with every object under prefix, its size and modification
// time.
func (b *Bucket) List(ctx context.Context, prefix string, fn func(key string, size int64, mod time.Time) error) error {
	it := b.b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("blobstore: list %s: %w", prefix, err)
		}
		if o.IsDir {
			continue
		}
		if err := fn(o.Key, o.Size, o.ModTime); err != nil {
			return err
		}
	}
}
