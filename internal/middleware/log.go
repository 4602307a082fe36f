package middleware

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	chimw "github.com/go-chi/chi/v5/middleware"
)

// Log logs one line per request and turns panics into 500s.
func Log(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := chimw.NewWrapResponseWriter(w, r.ProtoMajor)
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.Error("panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()), "request_id", RequestIDOf(r.Context()), "path", r.URL.Path)
					if ww.Status() == 0 {
						http.Error(ww, "internal error", http.StatusInternalServerError)
					}
				}
				route := chi.RouteContext(r.Context()).RoutePattern()
				log.Info("request", "method", r.Method, "path", r.URL.Path, "route", route, "status", ww.Status(),
					"bytes", ww.BytesWritten(), "duration_ms", float64(time.Since(start).Microseconds())/1000,
					"request_id", RequestIDOf(r.Context()))
			}()
			next.ServeHTTP(ww, r)
		})
	}
}
