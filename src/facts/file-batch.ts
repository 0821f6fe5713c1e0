// Every file fact of a gather from one perl process, where the host has perl: the per-file probe
// (fileFact) costs a stat and a base64 process for each path, on each host, in every gather and
// verify. The output is the probe's, record for record, so one parser reads both.
import { sh } from '../shell/sh.js';
import type { BatchProgram } from '../types.js';

/** Argument pairs: section index, path. Like the probe, it follows symlinks for the stat, names
 *  the resolved target of a symlink (readlink -f), and reads regular files up to `max` bytes.
 *  The output is printed only once complete, so a failure leaves nothing half framed. */
const PROGRAM = String.raw`use strict;
my ($nonce, $max, @args) = @ARGV;
sub b64 { my $u = pack 'u', $_[0]; $u =~ s/^.//mg; $u =~ tr/\n//d; $u =~ tr|\x60 -_|AA-Za-z0-9+/|;
  my $pad = (3 - length($_[0]) % 3) % 3; substr($u, -$pad) = '=' x $pad if $pad; $u }
my $out = '';
while (@args) {
  my ($i, $p) = splice @args, 0, 2;
  $out .= "$nonce B $i\n";
  if (my @s = stat $p) {
    my ($mode, $uid, $gid, $size) = @s[2, 4, 5, 7];
    my $type = -f _ ? ($size ? 'regular file' : 'regular empty file') : -d _ ? 'directory' : 'other';
    $out .= sprintf "stat:%s|%o|%s|%s|%d|%d|%d\n", $type, $mode & 07777, scalar(getpwuid $uid) // 'UNKNOWN', scalar(getgrgid $gid) // 'UNKNOWN', $size, $uid, $gid;
    if (-l $p) { require Cwd; my $t = Cwd::abs_path($p); $out .= 'link:' . b64($t) . "\n" if defined $t }
    if ($type =~ /^regular/ && $size <= $max) { my $c = ''; if (open my $f, '<:raw', $p) { local $/; $c = <$f> // '' } $out .= 'content:' . b64($c) . "\n" }
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
