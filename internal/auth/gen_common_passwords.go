//go:build ignore

// gen_common_passwords writes common_passwords.txt: passwords of 12 or more
// characters built from the patterns that dominate public breach corpora
// (keyboard walks, digit runs, repeated words, a common word or name followed
// by digits, a year or punctuation, leetspeak of the same, and Japanese words
// and surnames in romaji), plus the hand-picked entries at the top of the
// current file. No list was downloaded: the words below are the well-known
// heads of such lists, and the patterns are how people lengthen them to pass
// a 12-character rule.
//
//	go run gen_common_passwords.go   (in internal/auth)
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
)

const minLen, maxLen = 12, 64

// topWords head the breach lists; they get every suffix and leetspeak.
var topWords = strings.Fields(`
password passw0rd p@ssw0rd p@ssword iloveyou princess sunshine football
baseball superman batman starwars pokemon welcome monkey dragon master shadow
letmein trustno1 qwerty michael jennifer jordan hunter charlie computer
internet freedom whatever admin administrator changeme secret security
sakura tokyo nippon japan mamori
`)

// moreWords are further common words, names and Japanese words and surnames
// in romaji; they get the usual digits, years and punctuation.
var moreWords = strings.Fields(`
passwort pass123 iloveu loveyou lovely lover basketball soccer hockey
spiderman ironman qwertz azerty ranger buster killer george andrew michelle
jessica pepper daniel access thomas robert matthew ginger joshua cheese
amanda summer winter spring autumn flower nicole chelsea liverpool arsenal
mustang ferrari harley yankees cowboys maverick tigger naruto minecraft
fortnite samsung iphone google facebook microsoft windows apple banana
orange chocolate butterfly angel babygirl hello hellokitty root default
guest login company office business manager system server network database
oracle postgres backup support service testing sample example newpassword
mypassword nopassword opensesame qazwsx asdfgh zxcvbn qwerty123 family
forever blessed purple silver golden diamond player hacker matrix phoenix
thunder tiger falcon osaka kyoto nihon yokohama nagoya sapporo fukuoka
hokkaido okinawa sendai fujisan samurai ninja arigatou arigato konnichiwa
sayonara daisuki aishiteru kawaii gundam totoro anpanman doraemon pikachu
giants tigers hanshin kaisha jimusho soumu keiri jinji eigyou kanri shain
honsha shiten tanaka suzuki takahashi watanabe yamamoto nakamura kobayashi
yoshida yamada sasaki yamaguchi matsumoto inoue kimura hayashi shimizu
hiroshi takeshi haruka akira kenji naoki daisuke miyuki keiko tomoko hanako
benchmark infosec jouhou sekyuriti privacy
`)

var basicSuffixes = strings.Fields(`123 1234 12345 123456 1234567 12345678 123456789 1234567890 ! 1! 123! 1234! @123 0000 1111 2222`)

// yearSuffixes: the years people append, as is and with a "!".
func yearSuffixes(from, to int) []string {
	var s []string
	for y := from; y <= to; y++ {
		s = append(s, fmt.Sprint(y), fmt.Sprintf("%d!", y))
	}
	return s
}

var prefixes = strings.Fields(`my the ilove`)

var rows = []string{"1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"}

var leetLight = strings.NewReplacer("a", "@", "o", "0", "e", "3", "i", "1")

func main() {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if len(s) < minLen || len(s) > maxLen || seen[s] || strings.ContainsAny(s, " \t") {
			return
		}
		seen[s] = true
		out = append(out, s)
	}

	// Hand-picked entries of the current file come first, as they were.
	if f, err := os.Open("common_passwords.txt"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l := sc.Text()
			if strings.Contains(l, "@generated") {
				break // the generated section of an earlier run
			}
			if !strings.HasPrefix(l, "#") {
				add(l)
			}
		}
		f.Close()
	}
	handPicked := len(out)

	// Keyboard walks: every run of 12+ keys along a row, row pairs, and the
	// column walks people type as a "pattern".
	for _, r := range rows {
		walk(r, add)
		walk(reverse(r), add)
	}
	for i := 0; i+1 < 4; i++ { // one row then the next, as typed
		walk(rows[i]+rows[i+1], add)
	}
	cols := []string{"1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/"}
	for n := 3; n <= len(cols); n++ {
		for start := 0; start+n <= len(cols); start++ {
			var a, b, c, d strings.Builder
			for _, col := range cols[start : start+n] {
				a.WriteString(col)
				b.WriteString(reverse(col))
				c.WriteString(col[:3])
				d.WriteString(strings.ToUpper(col[:1]) + col[1:3])
			}
			add(a.String())
			add(b.String())
			add(c.String())
			add(d.String())
		}
	}
	for _, p := range []string{"1q2w3e4r5t6y7u8i9o0p", "q1w2e3r4t5y6u7i8o9p0", "a1s2d3f4g5h6j7k8l9", "z1x2c3v4b5n6m7"} {
		walk(p, add)
	}

	// Digit runs and repeats.
	for _, d := range []string{"12345678901234567890", "09876543210987654321", "98765432109876543210", "13579135791357913579", "24680246802468024680"} {
		for n := minLen; n <= 16; n++ {
			add(d[:n])
		}
	}
	for _, unit := range strings.Fields(`0 1 2 3 4 5 6 7 8 9 a x z q 12 21 69 123 321 1234 abc abcd qwe asd zxc love pass test hello ab xo ha 1122 1212 2580 0852 159 147 258 369 789 987`) {
		for n := 1; len(strings.Repeat(unit, n)) <= 16; n++ {
			add(strings.Repeat(unit, n))
		}
	}
	add("abcdefghijklmnopqrstuvwxyz")
	for n := minLen; n <= 16; n++ {
		add("abcdefghijklmnopqrstuvwxyz"[:n])
		add("abcdefghijklmnopqrstuvwxyz"[:n-4] + "1234")
	}

	// A word with digits, a year or punctuation; the top words also in
	// leetspeak and with a prefix.
	for _, w := range topWords {
		add(w + w)
		add(w + w + w)
		for _, s := range append(basicSuffixes, yearSuffixes(1985, 2027)...) {
			add(w + s)
		}
		for _, s := range append(basicSuffixes, yearSuffixes(2010, 2027)...) {
			add(leetLight.Replace(w) + s)
		}
		for _, p := range prefixes {
			for _, s := range append([]string{"", "1", "123", "1234", "!"}, yearSuffixes(2024, 2027)...) {
				add(p + w + s)
			}
		}
	}
	for _, w := range moreWords {
		add(w + w)
		for _, s := range append(basicSuffixes, yearSuffixes(2015, 2027)...) {
			add(w + s)
		}
	}

	w, err := os.Create("common_passwords.txt")
	if err != nil {
		panic(err)
	}
	defer w.Close()
	fmt.Fprintln(w, `# Common passwords of 12 characters or more, lower case, one a line; the
# check is case-insensitive. The first section is hand-picked from public
# lists of leaked passwords. The rest is generated by gen_common_passwords.go
# from the patterns that dominate breach corpora (keyboard walks, digit runs,
# repeats, a common word or name plus digits, a year or punctuation, and
# leetspeak), including Japanese words and surnames in romaji. No list was
# downloaded. Edit the hand-picked section and re-run the generator.`)
	for _, s := range out[:handPicked] {
		fmt.Fprintln(w, s)
	}
	fmt.Fprintln(w, "# @generated below by gen_common_passwords.go: do not edit by hand")
	gen := out[handPicked:]
	sort.Strings(gen)
	for _, s := range gen {
		fmt.Fprintln(w, s)
	}
	fmt.Fprintf(os.Stderr, "%d hand-picked + %d generated = %d\n", handPicked, len(gen), len(out))
}

// walk adds every run of minLen..16 consecutive characters of s.
func walk(s string, add func(string)) {
	for n := minLen; n <= 16; n++ {
		for i := 0; i+n <= len(s); i++ {
			add(s[i : i+n])
		}
	}
}

func reverse(s string) string {
	b := []byte(s)
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
