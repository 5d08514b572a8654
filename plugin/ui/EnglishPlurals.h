// SPDX-License-Identifier: MIT
#pragma once

#include <QTranslator>

namespace Optiverse::Collab {

/**
 * The English plural forms of the plugin's own strings. Qt only substitutes
 * %n: without a translation "Connected (%n user(s))" reads "1 user(s)". This
 * is the English "translation" (what a numerus .qm from lrelease would be,
 * without the build needing Qt's translation tools): in the plugin's
 * contexts, "(s)" is dropped for 1 and becomes "s" otherwise.
 *
 * Installed in the application while any widget of the plugin holds a
 * Handle (the code lives in the plugin library, so it must be removed
 * before the library can be unloaded).
 */
class EnglishPlurals : public QTranslator
{
    Q_OBJECT
public:
    /// Keeps the translator installed while it lives (main thread only).
    class Handle
    {
    public:
        Handle();
        ~Handle();
        Q_DISABLE_COPY_MOVE(Handle)
    };

    QString translate(const char *context, const char *sourceText, const char *disambiguation = nullptr,
                      int n = -1) const override;
    bool isEmpty() const override { return false; }
};

} // namespace Optiverse::Collab
