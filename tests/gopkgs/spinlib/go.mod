module example.com/spinlib

go 1.24
