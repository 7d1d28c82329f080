/*
 * GenAuthVectors.java - prints the admin / authentication / session byte vectors of
 * tests/unit/lib/hdl_auth_vectors.h with the stock Handle.Net 9.2 client library (hdllib):
 * one line per message: name, version, suggested version, session id, request id and the
 * encoded message (header + body + credential length + credential). The "signed_*" messages
 * are signed with a capturing java.security.Signature whose "signature" is the exact byte
 * string Java feeds to the signer; "mac_*" are MACed with the key 0x30..0x3f.
 * Build hdllib with /work/hdljava/build.sh (or any hdllib 9.2 classes), then:
 *   javac -cp $HDLLIB GenAuthVectors.java && java -cp .:$HDLLIB:$CNRIUTIL GenAuthVectors
 */
import net.handle.hdllib.*;
import java.security.*;

public class GenAuthVectors {
    static String hex(byte[] b) { StringBuilder s = new StringBuilder(); for (byte x : b) s.append(String.format("%02x", x)); return s.toString(); }
    static byte[] u(String s) { return Util.encodeString(s); }
    static void setv(AbstractMessage m, int maj, int min, int smaj, int smin, int sid, int rid) {
        m.majorProtocolVersion = (byte) maj; m.minorProtocolVersion = (byte) min;
        m.suggestMajorProtocolVersion = (byte) smaj; m.suggestMinorProtocolVersion = (byte) smin;
        m.sessionId = sid; m.requestId = rid; m.expiration = 0x5f5e1000;
    }
    static void out(String name, AbstractMessage m) throws Exception {
        System.out.println(name + " " + m.majorProtocolVersion + " " + m.minorProtocolVersion + " " + m.suggestMajorProtocolVersion + " " + m.suggestMinorProtocolVersion + " " + m.sessionId + " " + m.requestId + " " + hex(m.getEncodedMessage()));
    }
    static class Cap extends Signature {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        Cap() { super("SHA256withRSA"); }
        protected void engineInitVerify(PublicKey k) {}
        protected void engineInitSign(PrivateKey k) {}
        protected void engineUpdate(byte x) { b.write(x); }
        protected void engineUpdate(byte[] x, int o, int l) { b.write(x, o, l); }
        protected byte[] engineSign() { return b.toByteArray(); }
        protected boolean engineVerify(byte[] s) { return false; }
        @Deprecated protected void engineSetParameter(String p, Object v) {}
        @Deprecated protected Object engineGetParameter(String p) { return null; }
    }
    public static void main(String[] a) throws Exception {
        HandleValue v = new HandleValue(1, u("URL"), u("https://example.com/a"));
        v.setTimestamp(0x60000000);
        CreateHandleRequest create = new CreateHandleRequest(u("88.100.1/abc"), new HandleValue[] { v }, null);
        setv(create, 2, 11, 2, 11, 0, 7); out("req_create", create);
        AddValueRequest add = new AddValueRequest(u("88.100.1/abc"), new HandleValue[] { v }, null);
        setv(add, 2, 11, 2, 11, 0, 7); out("req_add", add);
        ModifyValueRequest mod = new ModifyValueRequest(u("88.100.1/abc"), new HandleValue[] { v }, null);
        setv(mod, 2, 11, 2, 11, 0, 7); out("req_modify", mod);
        RemoveValueRequest rm = new RemoveValueRequest(u("88.100.1/abc"), new int[] { 1, 100 }, null);
        setv(rm, 2, 11, 2, 11, 0, 8); out("req_remove", rm);
        DeleteHandleRequest del = new DeleteHandleRequest(u("88.100.1/abc"), null);
        setv(del, 2, 11, 2, 11, 0, 9); out("req_delete", del);
        ListHandlesRequest list = new ListHandlesRequest(u("0.NA/88.100.1"), null);
        list.returnRequestDigest = true;
        setv(list, 2, 11, 2, 11, 0, 10); out("req_list", list);
        byte[] sr = new byte[4 + 7 + 4 + 4]; int o = 0;
        o += Encoder.writeByteArray(sr, o, u("SHA-256")); o += Encoder.writeByteArray(sr, o, new byte[] { 1, 2, 3, 4 });
        ChallengeAnswerRequest ans = new ChallengeAnswerRequest(u("HS_PUBKEY"), u("88.100.1/admin"), 300, sr, null);
        setv(ans, 2, 11, 2, 11, 0x1234, 11); out("req_answer", ans);
        SessionSetupRequest ss = new SessionSetupRequest();
        ss.keyExchangeMode = Common.KEY_EXCHANGE_DH; ss.timeout = 86400; ss.identityHandle = u("88.100.1/admin"); ss.identityIndex = 300; ss.publicKey = new byte[] { 9, 8, 7, 6, 5 };
        setv(ss, 2, 11, 2, 11, 0, 12); out("req_setup_dh", ss);
        SessionSetupRequest ss3 = new SessionSetupRequest();
        ss3.keyExchangeMode = Common.KEY_EXCHANGE_CIPHER_HDL; ss3.timeout = 600; ss3.identityHandle = u("88.100.1/admin"); ss3.identityIndex = 300; ss3.exchangeKeyHandle = u("88.100.1/key"); ss3.exchangeKeyIndex = 301;
        setv(ss3, 2, 11, 2, 11, 0, 13); out("req_setup_hdl", ss3);
        SessionSetupRequest ss2 = new SessionSetupRequest();
        ss2.keyExchangeMode = Common.KEY_EXCHANGE_CIPHER_SERVER; ss2.timeout = 600; ss2.identityHandle = new byte[0]; ss2.identityIndex = 0;
        setv(ss2, 2, 11, 2, 11, 0, 14); out("req_setup_server", ss2);
        SessionExchangeKeyRequest ek = new SessionExchangeKeyRequest(new byte[] { 0x55, 0x66, 0x77 });
        setv(ek, 2, 11, 2, 11, 0x99, 15); out("req_exchangekey", ek);
        byte[] nonce = new byte[16]; for (int i = 0; i < 16; i++) nonce[i] = (byte) (0xa0 + i);
        byte[] dg = new byte[32]; for (int i = 0; i < 32; i++) dg[i] = (byte) i;
        VerifyAuthRequest va = new VerifyAuthRequest(u("88.100.1/admin"), nonce, dg, Common.HASH_CODE_SHA256, new byte[] { 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 }, 301, null);
        setv(va, 2, 11, 2, 11, 0, 16); out("req_verify", va);
        GenericRequest term = new GenericRequest(new byte[0], AbstractMessage.OC_SESSION_TERMINATE, null);
        setv(term, 2, 11, 2, 11, 0x99, 17); out("req_terminate", term);

        ChallengeResponse ch = new ChallengeResponse(create); ch.nonce = nonce; ch.sessionId = 0x4242; ch.clearBuffers(); out("resp_challenge", ch);
        CreateHandleRequest old = new CreateHandleRequest(u("88.100.1/abc"), new HandleValue[] { v }, null);
        setv(old, 2, 0, 2, 0, 0, 7);
        ChallengeResponse ch0 = new ChallengeResponse(old); ch0.nonce = nonce; ch0.sessionId = 0x4242; ch0.clearBuffers(); out("resp_challenge_v20", ch0);
        CreateHandleRequest v26 = new CreateHandleRequest(u("88.100.1/abc"), new HandleValue[] { v }, null);
        setv(v26, 2, 6, 2, 6, 0, 7);
        ChallengeResponse ch6 = new ChallengeResponse(v26); ch6.nonce = nonce; ch6.sessionId = 0x4242; ch6.clearBuffers(); out("resp_challenge_v26", ch6);
        ss.returnRequestDigest = true; ss.clearBuffers();
        SessionSetupResponse ssr = new SessionSetupResponse(ss, new byte[] { 0, 0, 0, 3, 0x11, 0x22 }); ssr.keyExchangeMode = 4; out("resp_setup", ssr);
        ListHandlesResponse lr = new ListHandlesResponse(list, new byte[][] { u("88.100.1/a"), u("88.100.1/bc") }); lr.continuous = true; out("resp_list", lr);
        CreateHandleResponse cr = new CreateHandleResponse(create, u("88.100.1/abc")); out("resp_create", cr);
        VerifyAuthResponse vr = new VerifyAuthResponse(va, true); out("resp_verify", vr);

        KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA"); kpg.initialize(1024); PrivateKey pk = kpg.generateKeyPair().getPrivate();
        int[][] vers = { { 2, 5 }, { 2, 6 }, { 2, 7 }, { 2, 11 } };
        for (int[] ver : vers) {
            DeleteHandleRequest d = new DeleteHandleRequest(u("88.100.1/abc"), null);
            setv(d, ver[0], ver[1], 2, 10, 0x11223344, 0x55667788); d.sessionCounter = 7;
            Cap c = new Cap(); c.initSign(pk); d.signMessage(c);
            out("signed_" + ver[0] + "_" + ver[1], d);
        }
        byte[] key = new byte[16]; for (int i = 0; i < 16; i++) key[i] = (byte) (0x30 + i);
        int[][] mvers = { { 2, 4 }, { 2, 5 }, { 2, 6 }, { 2, 7 }, { 2, 11 } };
        for (int[] ver : mvers) {
            DeleteHandleRequest d = new DeleteHandleRequest(u("88.100.1/abc"), null);
            setv(d, ver[0], ver[1], 2, 10, 0x11223344, 0x55667788); d.sessionCounter = 9;
            d.signMessage(key);
            out("mac_" + ver[0] + "_" + ver[1], d);
        }
    }
}
