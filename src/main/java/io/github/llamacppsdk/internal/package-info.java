/**
 * Not API. Implementation details of llama-cpp-sdk; may change in any release.
 *
 * <p>This package exists (even while empty) because {@code module-info.java} opens it to Jackson;
 * the JDK's {@code jar} tool refuses a module that opens a package it does not contain.
 */
package io.github.llamacppsdk.internal;
