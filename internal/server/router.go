package server

import "github.com/go-chi/chi/v5"

// Router exposes the routes for inspection (chi.Walk): the security tests
// call every route the product has, including ones added after them.
func (s *Server) Router() chi.Routes {
	return s.handler.(chi.Routes)
}
