module github.com/soupkit/mediasoup-client-go

go 1.22
