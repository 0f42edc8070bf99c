/* This module implements the finished pictures of png.h. */
#include "maskclean/png.h"

#include <stdlib.h>

void mc_png_free(mc_png *p)
{
	if (p == NULL)
		return;
	free(p->data);
	free(p->text);
	free(p->jpeg);
	free(p);
}
