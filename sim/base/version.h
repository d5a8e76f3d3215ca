/* version.h -- the version of this build, as written into every run's
 * identity and `runs.version` (docs/ANALYSIS.md "Run identity").
 *
 * A release build (cmake -DEDGESIM_RELEASE=ON) returns the project version
 * ("0.1.0"); a development build returns "0.1.0+src.<16 hex digits>", a
 * digest of the sources that make the binary, computed at every build by
 * cmake/version.cmake: a build of other code has another version, so its
 * runs never share an identity with this build's.  The string is static.
 */
#ifndef EDGESIM_VERSION_H
#define EDGESIM_VERSION_H

const char *edgesim_version(void);

#endif
