#ifdef __cplusplus
} /* extern "C" */
#endif
#endif /* TGBOT_H */
