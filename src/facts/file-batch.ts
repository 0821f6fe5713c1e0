// Every file fact of a gather from one perl process, where the host has perl: the per-file probe
// (fileFact) costs a stat and a base64 process for each path, on each host, in every gather and
// verify. The output is the probe's, record for record, so one parser reads both.
import { sh } from '../shell/sh.js';
import type { BatchProgram } from '../types.js';

/** Argument pairs: section index, then 1 (follow a symlink at the path) or 0, and the path. Like
 *  the probe it reports a link itself unless following, names the resolved target of a symlink
 *  (readlink -f), reads regular files up to `max` bytes, and never goes through a symlink that
 *  another user owns: that is checked along the way as the kernel resolves the path, links
 *  inside links too. Content is read from the inode the record describes (O_NOFOLLOW).
 *  The output is printed only once complete, so a failure leaves nothing half framed. */
export const UNSAFE_PERL = String.raw`
sub unsafe { my ($p, $last) = @_; my @todo = split m|/|, $p; pop @todo unless $last;
  my ($at, $n) = ($p =~ m|^/| ? '' : '.', 0);
  while (@todo) { my $c = shift @todo; next if $c eq '' || $c eq '.';
    if ($c eq '..') { $at =~ s|/[^/]*$||; next }
    my @l = lstat "$at/$c" or return '';
    if (-l _) { return "$l[4]|$at/$c" unless $l[4] == 0 || $l[4] == $>; return '' if ++$n > 40;
      my $t = readlink "$at/$c"; $at = '' if $t =~ m|^/|; unshift @todo, split m|/|, $t }
    else { $at .= "/$c" } }
  '' }
`;
const PROGRAM = String.raw`use strict; use Fcntl;
my ($nonce, $max, @args) = @ARGV;
sub b64 { my $u = pack 'u', $_[0]; $u =~ s/^.//mg; $u =~ tr/\n//d; $u =~ tr|\x60 -_|AA-Za-z0-9+/|;
  my $pad = (3 - length($_[0]) % 3) % 3; substr($u, -$pad) = '=' x $pad if $pad; $u }` + UNSAFE_PERL + String.raw`
# readlink -f: a dangling link names where its target would be
sub real { require Cwd; my $p = shift; my $t = Cwd::abs_path($p); return $t if defined $t;
  my $r = readlink $p // return undef; $r = substr($p, 0, rindex($p, '/') + 1) . $r unless $r =~ m|^/|;
  my ($d, $b) = $r =~ m|^(.*)/([^/]*)$| or return undef; $d = Cwd::abs_path(length $d ? $d : '/') // return undef;
  $d eq '/' ? "/$b" : "$d/$b" }
my $out = '';
while (@args) {
  my ($i, $a) = splice @args, 0, 2;
  my ($follow, $p) = (substr($a, 0, 1), substr($a, 1));
  $out .= "$nonce B $i\n";
  my $u = unsafe($p, $follow);
  my ($f, @s);
  if ($u ne '') { my ($uid, $q) = split /\|/, $u, 2; $out .= "unsafe:$uid|" . b64($q) . "\n" }
  elsif (@s = $follow ? stat $p : lstat $p) {
    # a regular file is opened first and described by what was opened: no link swapped in between
    if (-f _ && sysopen $f, $p, O_RDONLY | O_NONBLOCK | ($follow ? 0 : O_NOFOLLOW)) { @s = stat $f }
    my ($mode, $uid, $gid, $size) = @s[2, 4, 5, 7];
    my $type = -f _ ? ($size ? 'regular file' : 'regular empty file') : -d _ ? 'directory' : !$follow && -l _ ? 'symbolic link' : 'other';
    $out .= sprintf "stat:%s|%o|%s|%s|%d|%d|%d\n", $type, $mode & 07777, scalar(getpwuid $uid) // 'UNKNOWN', scalar(getgrgid $gid) // 'UNKNOWN', $size, $uid, $gid;
    if (-l $p) { my $t = real($p); $out .= 'link:' . b64($t) . "\n" if defined $t }
    if ($f && $type =~ /^regular/ && $size <= $max) { my $c = ''; { local $/; $c = <$f> // '' } $out .= 'content:' . b64($c) . "\n" }
  } else { $out .= "absent\n" }
  $out .= "\n$nonce E $i 0\n";
}
print $out or exit 1;
`;

export function fileBatch(max: number): BatchProgram {
  return {
    script: (nonce, items) =>
      sh`command -v perl >/dev/null 2>&1 && perl -e ${PROGRAM} -- ${nonce} ${max} ${items.flatMap(({ index, arg }) => [index, arg])} </dev/null 2>/dev/null`,
  };
}
