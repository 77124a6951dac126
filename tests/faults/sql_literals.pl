#!/usr/bin/perl
# SQL only through prepared statements with bound values: every SQL text
# handed to SQLite (sqlite3_exec, sqlite3_prepare*, hd_store_exec,
# hd_store_prepare, and store.c's query_int) must be a string literal, so no
# value from input can become SQL. sqlite3_*printf is banned outright.
# Reviewed exceptions are listed below as FILE:ARGUMENT. Usage: sql_literals.pl FILE...
use strict;
use warnings;

my %allowed = map { $_ => 1 } (
    'core/store.c:sql',           # the wrappers' own parameter, and the
                                  # user_version PRAGMA made from a constant
    'core/store.c:migrations[v]', # the schema: a static table of literals
);
my $fail = 0;
for my $file (@ARGV) {
    open(my $fh, '<', $file) or die "$file: $!";
    local $/;
    my $src = <$fh>;
    close $fh;
    $src =~ s{/\*.*?\*/}{ }gs;
    # Macros whose body is string literals only may stand for SQL text.
    my %lit;
    while ($src =~ /^#define\s+([A-Z_][A-Z0-9_]*)[ \t]+((?:[^\n]*\\\n)*[^\n]*)/mg) {
        my ($name, $body) = ($1, $2);
        $body =~ s/\\\n/ /g;
        $lit{$name} = 1 if $body =~ /^\s*(?:"(?:[^"\\]|\\.)*"\s*)+$/;
    }
    if ($src =~ /\bsqlite3_v?[ms]n?printf\s*\(/) {
        print "lint: $file: sqlite3_*printf builds SQL from values; bind them instead\n";
        $fail = 1;
    }
    while ($src =~ /\b(sqlite3_exec|sqlite3_prepare(?:_v[23])?|hd_store_exec|hd_store_prepare|query_int)\s*\(/g) {
        my ($fn, $pos) = ($1, pos($src));
        # Split the call's arguments at top-level commas.
        my ($depth, $in_str, $cur) = (1, 0, '');
        my @args;
        for (my $i = $pos; $i < length($src) && $depth > 0; $i++) {
            my $c = substr($src, $i, 1);
            if ($in_str) {
                $cur .= $c;
                if ($c eq '\\') { $cur .= substr($src, ++$i, 1); next; }
                $in_str = 0 if $c eq '"';
                next;
            }
            if ($c eq '"') { $in_str = 1; }
            elsif ($c eq '(') { $depth++; }
            elsif ($c eq ')') { $depth--; last if $depth == 0; }
            elsif ($c eq ',' && $depth == 1) { push @args, $cur; $cur = ''; next; }
            $cur .= $c;
        }
        push @args, $cur;
        next if @args < 2;
        my $sql = $args[1];
        $sql =~ s/^\s+|\s+$//g;
        $sql =~ s/\s+/ /g;
        my $toks = $sql;
        $toks =~ s/\b([A-Z_][A-Z0-9_]*)\b/$lit{$1} ? '""' : $1/ge;
        next if $toks =~ /^(?:"(?:[^"\\]|\\.)*"\s*)+$/;   # literals only
        next if $sql =~ /^(?:const )?char \*\w+$/;          # a definition's parameter
        next if $allowed{"$file:$sql"};
        my $line = 1 + (substr($src, 0, $pos) =~ tr/\n//);
        print "lint: $file:$line: $fn() is given SQL '$sql', not a string literal\n";
        $fail = 1;
    }
}
exit $fail;
