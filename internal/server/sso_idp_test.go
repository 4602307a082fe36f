package server_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"mamori/internal/auth"
)

// testIdP is an OpenID provider for the tests of the relying party: discovery,
// the authorisation endpoint (which signs in whoever the test says, at
// once), the token endpoint with client authentication and PKCE, a JWKS, a
// userinfo and an end-session endpoint. Its ID tokens are signed with
// go-jose; a test can alter their claims, sign them with alg "none" or a
// key the JWKS does not list, and rotate the keys.
type testIdP struct {
	t        *testing.T
	srv      *httptest.Server
	issuer   string
	clientID string
	secret   string

	mu       sync.Mutex
	key      *rsa.PrivateKey
	kid      string
	user     map[string]any              // the claims of whoever signs in next
	mutate   func(claims map[string]any) // alters the next ID tokens' claims
	algNone  bool                        // sign with alg "none"
	stranger bool                        // sign with a key the JWKS does not list
	grants   map[string]grant
	keyReads int // how often the JWKS was fetched
}

type grant struct {
	nonce, challenge, redirect string
	claims                     map[string]any
}

func newTestIdP(t *testing.T) *testIdP {
	idp := &testIdP{t: t, clientID: "mamori-test", secret: "idp-client-secret", grants: map[string]grant{}}
	idp.rotate()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", idp.discovery)
	mux.HandleFunc("GET /authorize", idp.authorize)
	mux.HandleFunc("POST /token", idp.token)
	mux.HandleFunc("GET /keys", idp.keys)
	mux.HandleFunc("GET /logout", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("signed out")) })
	idp.srv = httptest.NewServer(mux)
	idp.issuer = idp.srv.URL
	t.Cleanup(idp.srv.Close)
	return idp
}

// signIn sets who the authorisation endpoint signs in next.
func (idp *testIdP) signIn(claims map[string]any) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.user = claims
}

// set changes the provider's behaviour under its lock.
func (idp *testIdP) set(f func(idp *testIdP)) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	f(idp)
}

// rotate replaces the signing key; the JWKS lists only the new one.
func (idp *testIdP) rotate() {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		idp.t.Fatal(err)
	}
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.key, idp.kid = k, auth.RandomID()[:12]
}

func (idp *testIdP) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSONTest(w, map[string]any{
		"issuer": idp.issuer, "authorization_endpoint": idp.issuer + "/authorize", "token_endpoint": idp.issuer + "/token",
		"jwks_uri": idp.issuer + "/keys", "end_session_endpoint": idp.issuer + "/logout",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
	})
}

func (idp *testIdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != idp.clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("redirect_uri") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		http.Error(w, "bad authorisation request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	idp.mu.Lock()
	code := auth.NewToken()
	idp.grants[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), claims: idp.user}
	idp.mu.Unlock()
	to, _ := url.Parse(q.Get("redirect_uri"))
	v := to.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusSeeOther)
}

func (idp *testIdP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	idp.mu.Lock()
	defer idp.mu.Unlock()
	g, found := idp.grants[r.PostForm.Get("code")]
	delete(idp.grants, r.PostForm.Get("code")) // a code is good once
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case id != idp.clientID || secret != idp.secret:
		w.WriteHeader(http.StatusUnauthorized)
		writeJSONTest(w, map[string]any{"error": "invalid_client"})
		return
	case !found || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != g.redirect ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		w.WriteHeader(http.StatusBadRequest)
		writeJSONTest(w, map[string]any{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": idp.issuer, "aud": idp.clientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": g.nonce}
	for k, v := range g.claims {
		claims[k] = v
	}
	if idp.mutate != nil {
		idp.mutate(claims)
	}
	writeJSONTest(w, map[string]any{"access_token": auth.NewToken(), "token_type": "Bearer", "expires_in": 300, "id_token": idp.sign(claims)})
}

// sign makes the ID token; the caller holds the lock.
func (idp *testIdP) sign(claims map[string]any) string {
	payload, _ := json.Marshal(claims)
	if idp.algNone {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(payload) + "."
	}
	key, kid := idp.key, idp.kid
	if idp.stranger {
		key, _ = rsa.GenerateKey(rand.Reader, 2048)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		idp.t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		idp.t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		idp.t.Fatal(err)
	}
	return s
}

func (idp *testIdP) keys(w http.ResponseWriter, r *http.Request) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	idp.keyReads++
	writeJSONTest(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &idp.key.PublicKey, KeyID: idp.kid, Algorithm: "RS256", Use: "sig"}}})
}

func writeJSONTest(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
