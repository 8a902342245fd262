// keeps the native test target non-empty while test files come and go
