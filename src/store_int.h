/* store (internal): shared by the back-ends (memory, Redis). */
#if TGBOT__HAS_STORE
/* a tg_store with the desc's hooks and room for impl */
TGBOT__INTERN tg_err tg__store_alloc(tg_store **out, const tg_store_desc *desc, const tg_store_vtable *vt, size_t impl_size);
#endif
