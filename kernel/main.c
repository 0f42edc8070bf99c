/* maskclean-kernel: entry point (replaced by the protocol implementation). */
int main(void) { return 0; }
