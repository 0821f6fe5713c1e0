// One process writes every file of an apply step. Writing a file from the shell costs about five
// processes on the host (decode, attributes, sync, backup, rename), paid per file, per host; with
// perl (Essential on Debian and Ubuntu, usual elsewhere) the apply script instead runs as the child
// of a small perl program that does those writes itself when the script asks over a pipe. Hosts
// without perl run the same script with plain sh, and every write takes the shell path.
import { quote } from './sh.js';

/** The shell functions the apply header defines. fleet_put sends one request (its five words, then
 *  the run's state directory). 0: done; 3: failed, reason printed; anything else (no writer on this
 *  host, or it went away): the caller does it with the shell instead. fleet_batch NONCE FIRST
 *  waits for the end of a batch (frame.ts), whose framed sections the writer prints itself:
 *  0 all done, 1 one failed (stop). fleet_lost NONCE FIRST fails the batch's first block. */
export const PUT_FUNCTION = `fleet_put() {
  [ -n "\${FLEET_WQ:-}" ] || return 2
  printf '%s %s %s %s %s %s\\n' "$1" "$2" "$3" "$4" "\${5:--}" "\${FLEET_STATE:-}" >&"$FLEET_WQ" || return 2
  IFS= read -r fleet_a <&"$FLEET_WR" || return 2
  case $fleet_a in
    ok) return 0 ;;
    err\\ *) printf '%s\\n' "\${fleet_a#err }" >&2; return 3 ;;
  esac
  return 2
}
fleet_batch() {
  IFS= read -r fleet_a <&"$FLEET_WR" || { fleet_lost "$1" "$2"; return 1; }
  [ "$fleet_a" = ok ]
}
fleet_lost() {
  printf '%s\\n%s\\n\\n%s %s\\n' "$1 B $2" 'fleet: the writer process is gone (it did not start or ended early); writes of this batch may be done' "$1 E $2" 1
}
`;

/** Requests, one line each; paths, content and names base64-encoded (any bytes survive the line
 *  protocol), `-` for none, and the run's state directory last. `W PATH MODE CONTENT EXPECT` writes
 *  a file as the shell path does, step for step: a temp file beside the target with a random name,
 *  created O_EXCL 0600 (or the final mode, if stricter) before any content, the given mode or the
 *  old file's owner and mode (else 0644) set on the open file, fsync, the check that the file
 *  still holds what the write was planned on (EXPECT: `absent`, a sha256, or `-`), the run's
 *  backup of the old file (first version only, as fleet_backup), rename. `A PATH MODE OWNER GROUP`
 *  sets what is given on the open file, owner first (chown clears setuid bits), and refuses a
 *  symlink. Both first go into the path's directory one directory at a time, checking each is the
 *  one they looked at, and never through a symlink that another user owns (root's and our own are
 *  followed): then nothing a user can change in a directory of theirs can redirect what is written
 *  or changed. Replies `ok` or `err MESSAGE`. The shell child's exit status is ours. */
const PROGRAM = String.raw`use strict; use Fcntl; use IO::Handle;
pipe(my $qr, my $qw) && pipe(my $rr, my $rw) or exec '/bin/sh', '-s';
my $pid = fork;
exec '/bin/sh', '-s' unless defined $pid;
if (!$pid) {
  close $qr; close $rw;
  fcntl($_, F_SETFD, 0) for $qw, $rr;
  @ENV{'FLEET_WQ', 'FLEET_WR'} = (fileno $qw, fileno $rr);
  exec '/bin/sh', '-s'; exit 127;
}
close $qw; close $rr; $rw->autoflush(1);
sub done { my $s = shift; exit($s & 127 ? 128 + ($s & 127) : $s >> 8) }
sub unb64 { my $s = shift; $s =~ tr|A-Za-z0-9+/||cd; $s =~ tr|A-Za-z0-9+/| -_|; my $u = '';
  while (length $s) { my $c = substr($s, 0, 60, ''); $u .= chr(32 + int(length($c) * 3 / 4)) . $c . "\n" } unpack 'u', $u }
# Into the directory of $p: the real path resolved as the kernel would (links in links too), then
# entered one directory at a time, each checked to be the one looked at (not swapped for a link).
# Returns the name in it, or dies with the reason.
sub enter {
  my $p = shift;
  my @todo = split m|/|, $p; my $name = pop @todo;
  my ($at, $n) = ('', 0);
  while (@todo) { my $c = shift @todo; next if $c eq '' || $c eq '.';
    if ($c eq '..') { $at =~ s|/[^/]*$||; next }
    my @l = lstat "$at/$c" or die "cannot write $p: $at/$c: $!\n";
    if (-l _) {
      die "not going through $at/$c, a symlink owned by uid $l[4] (another user could point it anywhere), to $p\n" unless $l[4] == 0 || $l[4] == $>;
      die "cannot write $p: too many levels of symlinks\n" if ++$n > 40;
      my $t = readlink "$at/$c"; $at = '' if $t =~ m|^/|; unshift @todo, split m|/|, $t }
    else { $at .= "/$c" } }
  chdir '/' or die "cannot enter /: $!\n";
  for my $c (grep length, split m|/|, $at) {
    my @l = lstat $c;
    die "cannot write $p: $at changed while fleet went into it\n" unless @l && -d _;
    chdir $c or die "cannot write $p: cannot enter $at: $!\n";
    my @s = stat '.';
    die "cannot write $p: $at changed while fleet went into it\n" unless $s[0] == $l[0] && $s[1] == $l[1] }
  die "cannot write $p: not a file name\n" if !defined $name || $name eq '' || $name eq '.' || $name eq '..';
  $name }
my $urandom;
sub rnd { open $urandom, '<', '/dev/urandom' or die "cannot read /dev/urandom: $!\n" unless $urandom;
  read($urandom, my $r, 8) == 8 or die "cannot read /dev/urandom\n"; unpack 'H*', $r }
my @K = map hex, qw(428a2f98 71374491 b5c0fbcf e9b5dba5 3956c25b 59f111f1 923f82a4 ab1c5ed5 d807aa98 12835b01 243185be 550c7dc3 72be5d74 80deb1fe 9bdc06a7 c19bf174 e49b69c1 efbe4786 0fc19dc6 240ca1cc 2de92c6f 4a7484aa 5cb0a9dc 76f988da 983e5152 a831c66d b00327c8 bf597fc7 c6e00bf3 d5a79147 06ca6351 14292967 27b70a85 2e1b2138 4d2c6dfc 53380d13 650a7354 766a0abb 81c2c92e 92722c85 a2bfe8a1 a81a664b c24b8b70 c76c51a3 d192e819 d6990624 f40e3585 106aa070 19a4c116 1e376c08 2748774c 34b0bcb5 391c0cb3 4ed8aa4a 5b9cca4f 682e6ff3 748f82ee 78a5636f 84c87814 8cc70208 90befffa a4506ceb bef9a3f7 c67178f2);
# SHA-256 for hosts with only perl-base (no Digest::SHA): about 1 MB/s, so for small files only
sub sha256 { my $m = shift; my $l = length $m;
  $m .= "\x80" . ("\0" x ((55 - $l) % 64)) . pack('N2', int($l / 2**29), ($l * 8) % 2**32);
  my @h = map hex, qw(6a09e667 bb67ae85 3c6ef372 a54ff53a 510e527f 9b05688c 1f83d9ab 5be0cd19);
  for (my $o = 0; $o < length $m; $o += 64) {
    my @w = unpack 'N16', substr $m, $o, 64;
    for my $i (16 .. 63) { my ($x, $y) = @w[$i - 15, $i - 2];
      $w[$i] = ($w[$i - 16] + ((($x >> 7 | $x << 25) ^ ($x >> 18 | $x << 14) ^ $x >> 3) & 0xffffffff) + $w[$i - 7] + ((($y >> 17 | $y << 15) ^ ($y >> 19 | $y << 13) ^ $y >> 10) & 0xffffffff)) & 0xffffffff }
    my ($a, $b, $c, $d, $e, $f, $g, $h) = @h;
    for my $i (0 .. 63) {
      my $t1 = ($h + ((($e >> 6 | $e << 26) ^ ($e >> 11 | $e << 21) ^ ($e >> 25 | $e << 7)) & 0xffffffff) + (($e & $f) ^ (~$e & $g)) + $K[$i] + $w[$i]) & 0xffffffff;
      my $t2 = (((($a >> 2 | $a << 30) ^ ($a >> 13 | $a << 19) ^ ($a >> 22 | $a << 10)) & 0xffffffff) + (($a & $b) ^ ($a & $c) ^ ($b & $c))) & 0xffffffff;
      ($h, $g, $f, $e, $d, $c, $b, $a) = ($g, $f, $e, ($d + $t1) & 0xffffffff, $c, $b, $a, ($t1 + $t2) & 0xffffffff) }
    my @n = ($a, $b, $c, $d, $e, $f, $g, $h); $h[$_] = ($h[$_] + $n[$_]) & 0xffffffff for 0 .. 7 }
  unpack 'H*', pack 'N8', @h }
my $digest = eval { require Digest::SHA; 1 };
sub hash_of { my ($f, $size) = @_;
  return Digest::SHA->new(256)->addfile($f)->hexdigest if $digest;
  if ($size <= 1 << 20) { local $/; return sha256(<$f> // '') }
  open my $in, '<&', \*STDIN or return ''; open STDIN, '<&', $f or return '';
  my $h = qx(sha256sum); open STDIN, '<&', $in; $h =~ /^([0-9a-f]{64})/ ? $1 : '' }
# '' when the file (the name in the current directory) still holds what the write was planned on
sub changed {
  my ($name, $expect) = @_;
  return '' if $expect eq '-';
  my @l = lstat $name;
  return @l ? 'it exists now' : '' if $expect eq 'absent';
  return 'it is gone' unless @l;
  return 'it is no longer a regular file' unless -f _;
  sysopen my $f, $name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK or return "cannot read it: $!";
  hash_of($f, $l[7]) eq $expect ? '' : 'its content differs' }
sub backup {
  my ($state, $p, $name) = @_;
  return '' unless length $state;
  my $m = "$state/manifest";
  # the path as a manifest word: bytes outside the safe set as %XX (shell/manifest-word.ts)
  (my $e = $p) =~ s{([^A-Za-z0-9/._+:\@=~,-])}{sprintf '%%%02X', ord $1}ge;
  if (open my $f, '<', $m) { while (<$f>) { chomp; return '' if $_ eq "v2 file $e" || $_ eq "v2 created $e" } }
  my $rec = "v2 created $e";
  if (my @l = lstat $name) {
    my $dst = "$state/files$p"; my $d = '';
    for (grep length, split m|/|, substr($dst, 0, rindex($dst, '/'))) { $d .= "/$_"; mkdir $d, 0700 }
    # a hard link keeps the old file exactly (xattrs, ACLs, times) and costs nothing: the rename
    # below gives the path a new inode, so nothing writes to this one again; neither follows a link
    ($l[3] == 1 && link $name, $dst) || system('cp', '-a', '--', $name, $dst) == 0 or return "cannot keep a copy of $p in $state: the file is unchanged";
    $rec = "v2 file $e";
  }
  open my $f, '>>', $m or return "cannot record $p in $m: $!";
  print $f "$rec\n" and close $f or return "cannot record $p in $m: $!";
  '';
}
sub put {
  my ($p, $mode, $data, $state, $expect) = @_;
  my $name = eval { enter($p) } // return $@ =~ s/\n$//r;
  my $tmp = '.' . substr($name, 0, 180) . '.fleet-' . (eval { rnd() } // return $@ =~ s/\n$//r);
  my $fail = sub { my $e = shift; unlink $tmp; $e };
  sysopen my $f, $tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, $mode eq '-' ? 0600 : 0600 & oct $mode or return "cannot create a temp file beside $p: $!";
  my $ok = print {$f} $data; my $why = $!;
  if ($ok) {
    my @s = $mode eq '-' ? lstat $name : ();
    if ($mode ne '-') { chmod oct $mode, $f or return $fail->("cannot set mode $mode on the new $p: $!") }
    elsif (@s && -f _) { chown($s[4], $s[5], $f) && chmod($s[2] & 07777, $f) or return $fail->("cannot give the new $p the owner and mode of the old one: $!") }
    else { chmod 0644, $f }
    $ok = $f->flush && $f->sync; $why = $!;
  }
  $ok = close($f) && $ok; $why ||= $!;
  unless ($ok) {
    my $dir = substr($p, 0, rindex($p, '/')) || '/';
    my $free = '?';
    if (open my $df, '-|', 'df', '-Pk', '--', $dir) { <$df>; $free = (split ' ', <$df> // '')[3] // '?'; close $df }
    return $fail->("fleet: cannot write the new $p (the old file is untouched); free space there: $free KiB ($why)");
  }
  my $c = changed($name, $expect // '-');
  return $fail->("fleet: $p changed underneath since it was planned ($c); it is left as it is") if $c;
  my $b = backup($state, $p, $name);
  return $fail->($b) if $b;
  rename $tmp, $name or return $fail->("cannot move the new $p into place: $!");
  '';
}
sub attrs {
  my ($p, $mode, $owner, $group) = @_;
  my $name = eval { enter($p) } // return $@ =~ s/\n$//r;
  my @l = lstat $name or return "cannot change $p: $!";
  return "$p is a symlink: fleet does not change what a link points to" if -l _;
  # files and directories are changed through an open descriptor: the very inode looked at
  my $f;
  if (-f _ || -d _) {
    sysopen $f, $name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK or return "cannot change $p: $!";
    my @s = stat $f;
    return "cannot change $p: it changed while fleet changed it" unless $s[0] == $l[0] && $s[1] == $l[1];
  }
  if ($owner ne '-' || $group ne '-') {
    my $uid = $owner eq '-' ? -1 : $owner =~ /^\d+$/ ? $owner : getpwnam $owner;
    my $gid = $group eq '-' ? -1 : $group =~ /^\d+$/ ? $group : getgrnam $group;
    return "no user $owner on this host" unless defined $uid;
    return "no group $group on this host" unless defined $gid;
    chown $uid, $gid, $f // $name or return "cannot change the owner of $p: $!";
  }
  $mode eq '-' || chmod oct $mode, $f // $name or return "cannot change the mode of $p: $!";
  '';
}
my $w = sub { $_[0] eq '-' ? '-' : unb64($_[0]) };
sub one {
  my ($op, $p, $mode, $x, $y, $state) = split / /, shift, 6;
  my $e = $op eq 'W' ? put(unb64($p), $mode, unb64($x), $state // '', $y)
    : $op eq 'A' ? attrs(unb64($p), $mode, $w->($x), $w->($y))
    : "unknown request $op";
  $e =~ tr/\n/ /;
  $e;
}
# "G NONCE K:N,...": the requests of a run of blocks that only write files (applyScript) come at
# once, N for block K (0 where an earlier write carries its content). We print the blocks' framed
# sections in one write, as the shell would have (one packet instead of two per block), then
# answer once. After a failure the rest are not done and get no section, as the shell would stop.
my ($nonce, @blocks, $out, $failed, $err);
sub closed {
  while (@blocks && !$blocks[0][1]) {
    my $k = (shift @blocks)->[0];
    $out .= "$nonce B $k\n" . ($err ne '' ? "$err\n" : '') . "\n$nonce E $k " . ($err ne '' ? 1 : 0) . "\n" if $err ne '' || !$failed;
    $err = '';
  }
  return if @blocks;
  for (my $o = 0; $o < length $out; ) { my $n = syswrite STDOUT, $out, length($out) - $o, $o; last unless $n; $o += $n }
  print $rw $failed ? "stop\n" : "ok\n";
}
sub batched {
  my $e = $failed ? '' : one(shift);
  $err = $e if $e ne '';
  $failed ||= $e ne '';
  $blocks[0][1]--;
  closed();
}
sub answer {
  my $line = shift;
  return batched($line) if @blocks;
  if ($line =~ /^G (\S+) (\S+)/) { ($nonce, $out, $failed, $err) = ($1, '', 0, ''); @blocks = map [split /:/], split /,/, $2; return closed() }
  my $e = one($line);
  print $rw $e eq '' ? "ok\n" : "err $e\n";
}
# The shell's end is what ends us, not the pipe's: a daemon that a step started may hold it open.
my ($buf, $seen, $rin) = ('', 0, '');
vec($rin, fileno $qr, 1) = 1;
while (1) {
  if (select(my $r = $rin, undef, undef, 0.25) > 0) {
    last unless sysread $qr, $buf, 1 << 20, length $buf;
    while ((my $n = index $buf, "\n", $seen) >= 0) { my $line = substr $buf, 0, $n + 1, ''; chop $line; answer($line); $seen = 0 }
    $seen = length $buf;
  } elsif (waitpid($pid, 1) == $pid) { done($?) }
}
close $rw;
waitpid $pid, 0; done($?);
`;

export const usesWriter = (step: string): boolean => step.includes('fleet_put ');

/** The remote command that runs the apply script read from stdin: under the writer where perl
 *  exists, else plain sh. */
export const WRITER_SHELL = `if command -v perl >/dev/null 2>&1; then exec perl -e ${quote(PROGRAM)}; else exec /bin/sh -s; fi`;

/** The program itself, for tests that run it locally. */
export const WRITER_PROGRAM = PROGRAM;
