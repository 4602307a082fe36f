// Package middleware holds Mamori's HTTP plumbing that knows nothing of the
// product: request ids, the request log, security headers, body and time
// limits, the caller's address and the per-caller rate limit. Each function
// takes what it needs as arguments (no config struct, no store), so the
// router in package server reads as a list of what every request goes
// through.
package middleware
