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
 *  protocol), `-` for none, and the run's state directory last. `W PATH MODE CONTENT -` writes a file as the shell path does,
 *  step for step: an O_EXCL temp file beside the target, the given mode or the old file's
 *  owner and mode (else 0644), fsync, the run's backup of the old file (first version only, as
 *  fleet_backup), rename. `A PATH MODE OWNER GROUP` sets what is given, owner first (chown clears
 *  setuid bits). Replies `ok` or `err MESSAGE`. The shell child's exit status is ours. */
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
sub backup {
  my ($state, $p) = @_;
  return '' unless length $state;
  my $m = "$state/manifest";
  # the path as a manifest word: bytes outside the safe set as %XX (shell/manifest-word.ts)
  (my $e = $p) =~ s{([^A-Za-z0-9/._+:\@=~,-])}{sprintf '%%%02X', ord $1}ge;
  if (open my $f, '<', $m) { while (<$f>) { chomp; return '' if $_ eq "v2 file $e" || $_ eq "v2 created $e" } }
  my $rec = "v2 created $e";
  if (-e $p || -l $p) {
    my $dst = "$state/files$p"; my $d = '';
    for (grep length, split m|/|, substr($dst, 0, rindex($dst, '/'))) { $d .= "/$_"; mkdir $d, 0700 }
    # a hard link keeps the old file exactly (xattrs, ACLs, times) and costs nothing: the rename
    # below gives the path a new inode, so nothing writes to this one again
    my @l = lstat $p;
    ($l[3] == 1 && link $p, $dst) || system('cp', '-a', '--', $p, $dst) == 0 or return "cannot keep a copy of $p in $state: the file is unchanged";
    $rec = "v2 file $e";
  }
  open my $f, '>>', $m or return "cannot record $p in $m: $!";
  print $f "$rec\n" and close $f or return "cannot record $p in $m: $!";
  '';
}
sub put {
  my ($p, $mode, $data, $state) = @_;
  my $tmp = "$p.fleet-$$";
  my $fail = sub { my $e = shift; unlink $tmp; $e };
  sysopen my $f, $tmp, O_WRONLY | O_CREAT | O_EXCL, 0600 or return "cannot create a temp file beside $p: $!";
  my $ok = print {$f} $data; my $why = $!;
  if ($ok) {
    my @s = $mode eq '-' ? stat $p : ();
    if ($mode ne '-') { chmod oct $mode, $f or return $fail->("cannot set mode $mode on the new $p: $!") }
    elsif (@s) { chown($s[4], $s[5], $f) && chmod($s[2] & 07777, $f) or return $fail->("cannot give the new $p the owner and mode of the old one: $!") }
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
  my $b = backup($state, $p);
  return $fail->($b) if $b;
  rename $tmp, $p or return $fail->("cannot move the new $p into place: $!");
  '';
}
sub attrs {
  my ($p, $mode, $owner, $group) = @_;
  if ($owner ne '-' || $group ne '-') {
    my $uid = $owner eq '-' ? -1 : $owner =~ /^\d+$/ ? $owner : getpwnam $owner;
    my $gid = $group eq '-' ? -1 : $group =~ /^\d+$/ ? $group : getgrnam $group;
    return "no user $owner on this host" unless defined $uid;
    return "no group $group on this host" unless defined $gid;
    chown $uid, $gid, $p or return "cannot change the owner of $p: $!";
  }
  $mode eq '-' || chmod oct $mode, $p or return "cannot change the mode of $p: $!";
  '';
}
my $w = sub { $_[0] eq '-' ? '-' : unb64($_[0]) };
sub one {
  my ($op, $p, $mode, $x, $y, $state) = split / /, shift, 6;
  my $e = $op eq 'W' ? put(unb64($p), $mode, unb64($x), $state // '')
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
