#ifndef KLARTEKST_CLIBXML2_SHIM_H
#define KLARTEKST_CLIBXML2_SHIM_H
// Debian's libxml2 headers clash with Foundation's bundled ICU in debug builds.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#endif
